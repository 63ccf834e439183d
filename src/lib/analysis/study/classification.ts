/**
 * Labels extracted from each checkpoint's letters (treatment modality, ICD-10 code and category)
 * against the cases' gold labels.
 */

import { classificationReport, type ClassificationReport } from '../classification';
import {
	extractIcd10,
	extractModality,
	icd10Category,
	type ExtractionRules
} from '../label-extraction';
import { present, type CaseRow, type OutputRow } from './text';
import { compareStrings } from './summary';

export type ClassificationTask = 'modality' | 'icd10' | 'icd10Category';

/** What an output without an extracted label is predicted as. */
export const NO_LABEL = 'none';

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
	byCp: Map<string, OutputRow>[],
	checkpoints: readonly string[],
	cases: readonly CaseRow[],
	rules: ExtractionRules
): ClassificationRow[] {
	const extracted = new Map<OutputRow, { modality: string; code: string; category: string }>();
	const labelsOf = (o: OutputRow) => {
		let e = extracted.get(o);
		if (!e) {
			const icd = extractIcd10(o.text, rules.icd10);
			e = {
				modality: extractModality(o.text, rules.modality) ?? NO_LABEL,
				code: icd?.code ?? NO_LABEL,
				category: icd?.category ?? NO_LABEL
			};
			extracted.set(o, e);
		}
		return e;
	};
	const tasks: {
		task: ClassificationTask;
		gold: (c: CaseRow) => string | null;
		predicted: (o: OutputRow) => string;
		order: (labels: string[]) => string[];
	}[] = [
		{
			task: 'modality',
			gold: (c) => (present(c.goldModality) ? c.goldModality.trim().toLowerCase() : null),
			predicted: (o) => labelsOf(o).modality,
			order: (labels) => {
				const known = Object.keys(rules.modality.keywords).filter((m) => labels.includes(m));
				return [...known, ...labels.filter((l) => !known.includes(l)).sort(compareStrings)];
			}
		},
		{
			task: 'icd10',
			gold: (c) => (present(c.goldIcd10) ? c.goldIcd10.trim().toUpperCase() : null),
			predicted: (o) => labelsOf(o).code,
			order: (labels) => labels.sort(compareStrings)
		},
		{
			task: 'icd10Category',
			gold: (c) =>
				present(c.goldIcd10)
					? (icd10Category(c.goldIcd10) ?? c.goldIcd10.trim().toUpperCase())
					: null,
			predicted: (o) => labelsOf(o).category,
			order: (labels) => labels.sort(compareStrings)
		}
	];
	return tasks.flatMap(({ task, gold, predicted, order }) => {
		const golds = cases.flatMap((c) => {
			const g = gold(c);
			return g === null ? [] : [{ caseId: c.caseId, gold: g }];
		});
		const labels = order([...new Set(golds.map((g) => g.gold))]);
		return checkpoints.map((checkpoint, k): ClassificationRow => {
			const truth: string[] = [];
			const pred: string[] = [];
			let missingOutputs = 0;
			for (const g of golds) {
				const o = byCp[k]!.get(g.caseId);
				if (!o) {
					missingOutputs++;
					continue;
				}
				truth.push(g.gold);
				pred.push(predicted(o));
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
