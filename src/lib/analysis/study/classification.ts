/**
 * Labels extracted from each checkpoint's letters (treatment modality, ICD-10 code and category)
 * against the cases' gold labels.
 */

import { classificationReport, type ClassificationReport } from '../classification';
import { NO_LABEL, type ExtractionRules } from '../label-extraction';
import { goldLabel, type PerCaseMetrics } from '../per-case-metrics';
import type { CaseRow } from './text';
import { compareStrings, getOrCreate } from './summary';

export type ClassificationTask = 'modality' | 'icd10' | 'icd10Category';

export { NO_LABEL };

export interface ClassificationRow {
	task: ClassificationTask;
	checkpoint: string;
	/** The gold label set (same for every checkpoint of a task). */
	labels: string[];
	/** Outputs compared: their case has a gold label. */
	n: number;
	/** Of these, outputs where extraction found nothing (predicted NO_LABEL). */
	noPrediction: number;
	/**
	 * Per gold label (in `labels` order): outputs where extraction found nothing. The rest of the
	 * report's `predictedOutside` are labels extracted that no gold case has.
	 */
	noLabel: number[];
	/** Cases with a gold label but no output of this checkpoint (not counted in n). */
	missingOutputs: number;
	report: ClassificationReport | null;
}

/**
 * Extracted labels against gold per checkpoint. Labels = the gold label set (modalities in the
 * order of the rules' keywords, codes sorted), so a class no gold case has does not enter macro
 * averages with F1 = 0. An output where extraction found nothing is predicted NO_LABEL, and like
 * any prediction outside the gold set it is wrong in accuracy and a false negative of its true
 * class, but a false positive of none (scikit-learn with labels=); see classificationReport.
 */
export function classificationSection(
	scored: readonly PerCaseMetrics[],
	checkpoints: readonly string[],
	cases: readonly CaseRow[],
	rules: ExtractionRules
): ClassificationRow[] {
	// The labels perCaseMetrics extracted once per output, by checkpoint and case.
	const extracted = new Map<string, Map<string, Record<ClassificationTask, string>>>();
	for (const r of scored) {
		const labels = Object.fromEntries(r.labels.map((l) => [l.task, l.extracted]));
		getOrCreate(extracted, r.checkpoint, () => new Map()).set(
			r.caseId,
			labels as Record<ClassificationTask, string>
		);
	}
	const tasks: { task: ClassificationTask; order: (labels: string[]) => string[] }[] = [
		{
			task: 'modality',
			order: (labels) => {
				const known = Object.keys(rules.modality.keywords).filter((m) => labels.includes(m));
				return [...known, ...labels.filter((l) => !known.includes(l)).sort(compareStrings)];
			}
		},
		{ task: 'icd10', order: (labels) => labels.sort(compareStrings) },
		{ task: 'icd10Category', order: (labels) => labels.sort(compareStrings) }
	];
	return tasks.flatMap(({ task, order }) => {
		const golds = cases.flatMap((c) => {
			const g = goldLabel(c, task);
			return g === null ? [] : [{ caseId: c.caseId, gold: g }];
		});
		const labels = order([...new Set(golds.map((g) => g.gold))]);
		return checkpoints.map((checkpoint): ClassificationRow => {
			const ofCheckpoint = extracted.get(checkpoint);
			const truth: string[] = [];
			const pred: string[] = [];
			let missingOutputs = 0;
			for (const g of golds) {
				const labels = ofCheckpoint?.get(g.caseId);
				if (!labels) {
					missingOutputs++;
					continue;
				}
				truth.push(g.gold);
				pred.push(labels[task]);
			}
			return {
				task,
				checkpoint,
				labels,
				n: truth.length,
				noPrediction: pred.filter((x) => x === NO_LABEL).length,
				noLabel: noLabelCounts(labels, truth, pred),
				missingOutputs,
				report: truth.length === 0 ? null : classificationReport(truth, pred, labels)
			};
		});
	});
}

function noLabelCounts(labels: string[], truth: string[], pred: string[]): number[] {
	const index = new Map(labels.map((l, i) => [l, i]));
	const counts = labels.map(() => 0);
	truth.forEach((t, s) => {
		const i = index.get(t);
		if (pred[s] === NO_LABEL && i !== undefined) counts[i]!++;
	});
	return counts;
}
