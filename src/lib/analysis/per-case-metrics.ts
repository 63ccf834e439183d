/**
 * Automatic metrics per output (one case under one checkpoint): ROUGE against the case's
 * reference and the labels extracted from the letter against the case's gold labels. They feed
 * the paired tests on automatic metrics (metric-tests.ts) and the per-case metric export, a long
 * CSV `case_id, checkpoint, metric, value, label` that R and pandas load as it is.
 */

import {
	extractIcd10,
	extractModality,
	icd10Category,
	DEFAULT_EXTRACTION_RULES,
	NO_LABEL,
	type ExtractionRules
} from './label-extraction';
import {
	rougeDocument,
	rougeScoresOf,
	ROUGE_TYPES,
	type RougeDocument,
	type RougeOptions,
	type RougeScore,
	type RougeType,
	type RougeVocabulary
} from './rouge';
import type { CaseMetricValues, LabelMetric } from './metric-tests';
import { compareStrings, getOrCreate } from './study/summary';
import { present, type CaseRow, type OutputRow } from './study/text';

export { ROUGE_TYPES };
export const LABEL_TASKS: readonly LabelMetric[] = ['modality', 'icd10', 'icd10Category'];

export interface LabelOutcome {
	task: LabelMetric;
	/** The extracted label, NO_LABEL when extraction found nothing. */
	extracted: string;
	/** The case's gold label (normalized as the classification table does), null without one. */
	gold: string | null;
	/** extracted = gold; null without a gold label. */
	correct: boolean | null;
}

export interface PerCaseMetrics {
	caseId: string;
	checkpoint: string;
	/** Null when the case has no reference text. */
	rouge: Record<RougeType, RougeScore> | null;
	labels: LabelOutcome[];
}

export interface PerCaseOptions {
	rouge?: RougeOptions;
	/** Default DEFAULT_EXTRACTION_RULES. */
	extraction?: ExtractionRules;
}

/**
 * A case's gold label for a task, normalized as the classification table and the per-case
 * metrics compare it: modality trimmed and lower-cased, ICD-10 code trimmed and upper-cased, its
 * category the 3-character code (the whole code when it has none); null without a gold label.
 */
export function goldLabel(c: CaseRow | undefined, task: LabelMetric): string | null {
	if (task === 'modality')
		return present(c?.goldModality) ? c.goldModality.trim().toLowerCase() : null;
	if (!present(c?.goldIcd10)) return null;
	const code = c.goldIcd10.trim().toUpperCase();
	return task === 'icd10' ? code : (icd10Category(c.goldIcd10) ?? code);
}

/**
 * Metrics of every output whose case is known, ordered by the given checkpoints, then by case
 * id (code-unit order). Each distinct text is tokenized once and each distinct (reference,
 * output) pair scored once. Outputs of checkpoints not listed, or of unknown cases, are skipped.
 */
export function perCaseMetrics(
	outputs: readonly OutputRow[],
	cases: readonly CaseRow[],
	checkpoints: readonly string[],
	opts: PerCaseOptions = {}
): PerCaseMetrics[] {
	const rules = opts.extraction ?? DEFAULT_EXTRACTION_RULES;
	const caseById = new Map(cases.map((c) => [c.caseId, c]));
	const order = new Map(checkpoints.map((c, k) => [c, k]));
	const vocabulary: RougeVocabulary = new Map();
	const documents = new Map<string, RougeDocument>();
	const documentOf = (text: string) =>
		getOrCreate(documents, text, () => rougeDocument(text, opts.rouge ?? {}, vocabulary));
	const scored = new Map<RougeDocument, Map<RougeDocument, Record<RougeType, RougeScore>>>();
	const scoresOf = (reference: RougeDocument, output: RougeDocument) =>
		getOrCreate(
			getOrCreate(scored, reference, () => new Map()),
			output,
			() => rougeScoresOf(reference, output)
		);
	const picked = outputs
		.filter((o) => order.has(o.checkpoint) && caseById.has(o.caseId))
		.sort(
			(a, b) =>
				order.get(a.checkpoint)! - order.get(b.checkpoint)! || compareStrings(a.caseId, b.caseId)
		);
	return picked.map((o) => {
		const c = caseById.get(o.caseId)!;
		const icd = extractIcd10(o.text, rules.icd10);
		const extracted: Record<LabelMetric, string> = {
			modality: extractModality(o.text, rules.modality) ?? NO_LABEL,
			icd10: icd?.code ?? NO_LABEL,
			icd10Category: icd?.category ?? NO_LABEL
		};
		return {
			caseId: o.caseId,
			checkpoint: o.checkpoint,
			rouge: present(c.reference) ? scoresOf(documentOf(c.reference), documentOf(o.text)) : null,
			labels: LABEL_TASKS.map((task) => {
				const gold = goldLabel(c, task);
				return {
					task,
					extracted: extracted[task],
					gold,
					correct: gold === null ? null : extracted[task] === gold
				};
			})
		};
	});
}

/** Per checkpoint, per case: the values the paired tests compare (ROUGE F-measures, correctness). */
export function metricValues(
	rows: readonly PerCaseMetrics[]
): Map<string, Map<string, CaseMetricValues>> {
	const out = new Map<string, Map<string, CaseMetricValues>>();
	for (const r of rows) {
		const values: CaseMetricValues = {};
		if (r.rouge)
			values.rouge = {
				rouge1: r.rouge.rouge1.fmeasure,
				rouge2: r.rouge.rouge2.fmeasure,
				rougeL: r.rouge.rougeL.fmeasure
			};
		const correct: CaseMetricValues['correct'] = {};
		for (const l of r.labels) if (l.correct !== null) correct[l.task] = l.correct;
		if (Object.keys(correct).length) values.correct = correct;
		getOrCreate(out, r.checkpoint, () => new Map()).set(r.caseId, values);
	}
	return out;
}

export const METRIC_CSV_COLUMNS = ['case_id', 'checkpoint', 'metric', 'value', 'label'] as const;
export type MetricCsvRow = Record<(typeof METRIC_CSV_COLUMNS)[number], string | number | null>;

/** CSV metric names of the label tasks. */
const LABEL_METRIC_NAME: Record<LabelMetric, string> = {
	modality: 'modality',
	icd10: 'icd10',
	icd10Category: 'icd10_category'
};

/**
 * The long rows of the per-case metric export, in the order of `rows`:
 * - `<rouge>_precision`, `<rouge>_recall`, `<rouge>_fmeasure` for rouge1, rouge2, rougeL and
 *   rougeLsum, when the case has a reference;
 * - `modality_correct`, `icd10_correct`, `icd10_category_correct` for every letter: value 1 or 0,
 *   empty when the case has no gold label; `label` holds the extracted label (`none` when
 *   extraction found nothing).
 * `value` is always a number or empty, so R's read.csv and pandas read it as numeric; the text
 * of the extracted label has its own column.
 */
export function metricCsvRows(rows: readonly PerCaseMetrics[]): MetricCsvRow[] {
	const out: MetricCsvRow[] = [];
	for (const r of rows) {
		const row = (metric: string, value: number | null, label: string | null = null) =>
			out.push({ case_id: r.caseId, checkpoint: r.checkpoint, metric, value, label });
		if (r.rouge)
			for (const t of ROUGE_TYPES) {
				const s = r.rouge[t];
				row(`${t}_precision`, s.precision);
				row(`${t}_recall`, s.recall);
				row(`${t}_fmeasure`, s.fmeasure);
			}
		for (const l of r.labels)
			row(
				`${LABEL_METRIC_NAME[l.task]}_correct`,
				l.correct === null ? null : l.correct ? 1 : 0,
				l.extracted
			);
	}
	return out;
}
