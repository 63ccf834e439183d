/**
 * The per-class tables of a label-extraction task (modality, ICD-10 category) as the report and
 * the analysis page print them: per checkpoint, the confusion matrix (rows gold, columns
 * extracted) with a "no label found" column, so that every row adds up to its class's support and
 * the matrix to n, and each class's precision, recall and F1 beside its row. With more classes
 * than fit, the most frequent gold classes are kept and the rest summed into one row and column.
 */

import type { ClassificationRow, ClassificationTask } from './study/classification';

/** Column of letters where extraction found nothing. */
export const NO_LABEL_COLUMN = 'no label found';
/** Column of extracted labels that no gold case has (e.g. "electron" when no case is electron). */
export const OUTSIDE_COLUMN = 'not a gold class';
/** Default number of classes shown before the rest are summed. */
export const MAX_SHOWN_CLASSES = 8;

export interface ClassTableRow {
	/** A gold class, or `other (k classes)` for the summed rest. */
	label: string;
	/** How many gold classes this row stands for: 1, or k for the summed rest. */
	classes: number;
	/** Extracted labels, in `ClassTable.columns` order; the row sums to `support`. */
	counts: number[];
	/** Letters whose gold label is this class (or one of the summed classes). */
	support: number;
	/** Per-class scores (classificationReport); for the summed row, their unweighted mean. */
	precision: number;
	recall: number;
	f1: number;
}

export interface ClassTable {
	task: ClassificationTask;
	checkpoint: string;
	/** Letters compared: the sum of every row (and of every count). */
	n: number;
	/** Column headers: the shown classes, then the summed rest (when any), OUTSIDE, NO_LABEL. */
	columns: string[];
	rows: ClassTableRow[];
}

/**
 * The classes shown for one task: all of them when there are at most `max`, else the `max − 1`
 * with the largest gold support summed over the task's checkpoints (ties in label order), in
 * label order, leaving one row for the rest. The same for every checkpoint of the task, so their
 * tables line up.
 */
export function shownClasses(
	rows: readonly ClassificationRow[],
	max = MAX_SHOWN_CLASSES
): string[] {
	const labels = rows[0]?.labels ?? [];
	if (labels.length <= max) return [...labels];
	const support = labels.map((_, i) =>
		rows.reduce((a, r) => a + (r.report?.perClass[labels[i]!]?.support ?? 0), 0)
	);
	const keep = labels
		.map((_, i) => i)
		.sort((a, b) => support[b]! - support[a]! || a - b)
		.slice(0, Math.max(1, max - 1))
		.sort((a, b) => a - b);
	return keep.map((i) => labels[i]!);
}

const otherLabel = (k: number) => `other (${k} ${k === 1 ? 'class' : 'classes'})`;

/**
 * The table of one checkpoint for one task, or null without compared letters. Counts come from
 * the report's confusion matrix (gold × gold labels), `noLabel` (nothing extracted) and
 * `predictedOutside − noLabel` (a label no gold case has): every letter compared lands in
 * exactly one cell, so row sums are the supports and the total is n.
 */
export function classTable(row: ClassificationRow, shown: readonly string[]): ClassTable | null {
	const r = row.report;
	if (!r) return null;
	const shownSet = new Set(shown);
	const rest = r.labels.map((l, i) => i).filter((i) => !shownSet.has(r.labels[i]!));
	const col = new Map(shown.map((l, j) => [l, j]));
	const restColumn = rest.length > 0 ? shown.length : -1;
	const width = shown.length + (rest.length > 0 ? 1 : 0) + 2;
	const countsOf = (indices: number[]) => {
		const counts = new Array<number>(width).fill(0);
		for (const i of indices) {
			r.labels.forEach((l, j) => {
				counts[col.get(l) ?? restColumn]! += r.confusion[i]![j]!;
			});
			const none = row.noLabel[i] ?? 0;
			counts[width - 2]! += (r.predictedOutside[i] ?? 0) - none;
			counts[width - 1]! += none;
		}
		return counts;
	};
	const mean = (indices: number[], key: 'precision' | 'recall' | 'f1') =>
		indices.reduce((a, i) => a + r.perClass[r.labels[i]!]![key], 0) / indices.length;
	const tableRow = (label: string, indices: number[]): ClassTableRow => ({
		label,
		classes: indices.length,
		counts: countsOf(indices),
		support: indices.reduce((a, i) => a + r.perClass[r.labels[i]!]!.support, 0),
		precision: mean(indices, 'precision'),
		recall: mean(indices, 'recall'),
		f1: mean(indices, 'f1')
	});
	const rows = shown.map((l) => tableRow(l, [r.labels.indexOf(l)]));
	if (rest.length > 0) rows.push(tableRow(otherLabel(rest.length), rest));
	return {
		task: row.task,
		checkpoint: row.checkpoint,
		n: row.n,
		columns: [
			...shown,
			...(rest.length > 0 ? [otherLabel(rest.length)] : []),
			OUTSIDE_COLUMN,
			NO_LABEL_COLUMN
		],
		rows
	};
}

/** The tables of every checkpoint for one task (checkpoints without compared letters left out). */
export function classTables(
	classification: readonly ClassificationRow[],
	task: ClassificationTask,
	max = MAX_SHOWN_CLASSES
): ClassTable[] {
	const rows = classification.filter((c) => c.task === task);
	const shown = shownClasses(rows, max);
	return rows.flatMap((row) => classTable(row, shown) ?? []);
}
