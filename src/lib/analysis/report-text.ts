/**
 * The text sections of the rating report (report.ts): ROUGE against reference letters, labels
 * extracted from the letters with confusion matrices, and correction effort.
 */

import { classTables, MAX_SHOWN_CLASSES, type ClassTable } from './classification-tables';
import { formatNumber, formatPercent, meanSd, median, table } from './report-format';
import type { ClassificationTask, StudyAnalysis } from './study';

const TASK_TITLES: Record<ClassificationTask, string> = {
	modality: 'Treatment modality',
	icd10: 'ICD-10 code',
	icd10Category: 'ICD-10 category (3 characters)'
};

export function rougeSection(a: StudyAnalysis): string {
	if (!a.rouge.some((r) => r.n > 0)) return '';
	const types = [
		['rouge1', 'ROUGE-1'],
		['rouge2', 'ROUGE-2'],
		['rougeL', 'ROUGE-L'],
		['rougeLsum', 'ROUGE-Lsum']
	] as const;
	type Row = (typeof a.rouge)[number];
	type Type = (typeof types)[number][0];
	const rougeTable = (value: (r: Row, k: Type) => string) =>
		table(
			['Checkpoint', 'n', ...types.map(([, t]) => t)],
			a.rouge.map((r) => [r.checkpoint, String(r.n), ...types.map(([k]) => value(r, k))])
		);
	return [
		'## ROUGE against reference letters',
		'',
		'F-measure, mean ± SD:',
		'',
		rougeTable((r, k) => meanSd(r.scores[k].fmeasure)),
		'',
		'Precision / recall, means:',
		'',
		rougeTable(
			(r, k) =>
				`${formatNumber(r.scores[k].precision.mean, 3)} / ${formatNumber(r.scores[k].recall.mean, 3)}`
		),
		'',
		'rouge_score definitions (Lin 2004); cases without a reference are skipped.'
	].join('\n');
}

export function classificationSection(a: StudyAnalysis): string {
	const tasks = (['modality', 'icd10', 'icd10Category'] as const).filter((t) =>
		a.classification.some((c) => c.task === t && c.n > 0)
	);
	if (tasks.length === 0) return '';
	const parts = ['## Labels extracted from the letters'];
	for (const task of tasks) {
		const rows = a.classification.filter((c) => c.task === task);
		parts.push(
			'',
			`### ${TASK_TITLES[task]}`,
			'',
			table(
				['Checkpoint', 'n', 'Accuracy', 'Macro P', 'Macro R', 'Macro F1', 'Micro F1', 'No label'],
				rows.map((c) => [
					c.checkpoint,
					String(c.n),
					formatPercent(c.report?.accuracy),
					formatNumber(c.report?.macro.precision, 3),
					formatNumber(c.report?.macro.recall, 3),
					formatNumber(c.report?.macro.f1, 3),
					formatNumber(c.report?.micro.f1, 3),
					String(c.noPrediction)
				])
			)
		);
		if (task === 'icd10') {
			parts.push('', 'Per-class scores of full codes are in the JSON export.');
			continue;
		}
		for (const t of classTables(a.classification, task)) parts.push('', ...perClassTable(t));
	}
	parts.push(
		'',
		'Classes are the gold labels; a letter without an extracted label counts as "none", wrong ' +
			'and a false negative of its true class. Macro: unweighted mean over classes. Per ' +
			'checkpoint, rows are gold and columns extracted; each row adds up to its class’s n ' +
			`(shown beside it with the class’s precision, recall and F1). With more than ` +
			`${MAX_SHOWN_CLASSES} classes the most frequent are shown and the rest summed into one ` +
			'row and column, whose scores are the mean over its classes.'
	);
	return parts.join('\n');
}

function perClassTable(t: ClassTable): string[] {
	const columns = [...t.columns, 'n', 'Precision', 'Recall', 'F1'];
	return [
		`**${t.checkpoint}** (n = ${t.n}): rows gold, columns extracted`,
		'',
		table(
			['Gold ↓ extracted →', ...columns],
			t.rows.map((r) => [
				r.label,
				...r.counts.map(String),
				String(r.support),
				formatNumber(r.precision, 3),
				formatNumber(r.recall, 3),
				formatNumber(r.f1, 3)
			])
		)
	];
}

export function correctionSection(a: StudyAnalysis): string {
	if (!a.correctionEffort.some((c) => c.n > 0)) return '';
	return [
		'## Correction effort',
		'',
		table(
			['Checkpoint', 'Corrections', 'Letters', 'Mean edits', 'Median (IQR)', 'Normalized mean'],
			a.correctionEffort.map((c) => [
				c.checkpoint,
				String(c.n),
				String(c.outputs),
				formatNumber(c.distance.mean, 1),
				median(c.distance, 1),
				formatPercent(c.normalized.mean)
			])
		),
		'',
		'Word-level Levenshtein distance between each letter and each expert-corrected version; ' +
			'normalized by the longer token count.'
	].join('\n');
}
