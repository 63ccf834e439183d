/**
 * chart.js-ready series from a StudyAnalysis: `{ labels, datasets }` objects that the one chart
 * component can hand to chart.js as `data`. No chart.js import here, so these stay pure and
 * testable. Colors come from the Okabe–Ito palette (Okabe & Ito 2008), which stays
 * distinguishable under the common color-vision deficiencies, and are chosen by position — the
 * k-th checkpoint of the study always gets the k-th color — never by a checkpoint's name, so
 * a name cannot hint at which model is the fine-tuned one.
 */

import type { PairwiseAnalysis } from './pairwise-study';
import { scaleOfDimension, type ClassificationTask, type StudyAnalysis } from './study';

/** Okabe–Ito: orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple, black. */
export const PALETTE = [
	'#E69F00',
	'#56B4E9',
	'#009E73',
	'#F0E442',
	'#0072B2',
	'#D55E00',
	'#CC79A7',
	'#000000'
] as const;

/**
 * Scores low to high, from the same palette: vermillion, orange, sky blue, blue — warm for poor,
 * cool for good, and ordered in lightness as well as hue.
 */
export const SCORE_PALETTE = ['#D55E00', '#E69F00', '#56B4E9', '#0072B2'] as const;

/** The color of series `index` (wraps around after eight). */
export function paletteColor(index: number): string {
	return PALETTE[((index % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
}

function scoreColor(index: number, count: number): string {
	if (count <= SCORE_PALETTE.length) return SCORE_PALETTE[index]!;
	return paletteColor(index);
}

export interface BarDataset {
	label: string;
	data: (number | null)[];
	backgroundColor: string;
	borderColor: string;
}

export interface ChartData<D extends BarDataset = BarDataset> {
	labels: string[];
	datasets: D[];
}

export interface DistributionDataset extends BarDataset {
	stack: string;
	/** The counts behind the percentages, for tooltips. */
	counts: number[];
}

/**
 * Stacked bar of the score distribution of one dimension: labels = checkpoints, one dataset per
 * scale value with the percentage of that checkpoint's ratings (null when it has none).
 */
export function distributionSeries(
	analysis: StudyAnalysis,
	dimension: string
): ChartData<DistributionDataset> {
	const { checkpoints } = analysis.overview;
	const scale = scaleOfDimension(analysis.overview, dimension);
	const cells = checkpoints.map((cp) =>
		analysis.descriptives.find((d) => d.checkpoint === cp && d.dimension === dimension)
	);
	return {
		labels: [...checkpoints],
		datasets: scale.map((value, i) => {
			const color = scoreColor(i, scale.length);
			return {
				label: String(value),
				stack: 'scores',
				data: cells.map((c) => {
					const n = c?.summary.n ?? 0;
					return n > 0 ? (100 * c!.counts[i]!) / n : null;
				}),
				counts: cells.map((c) => c?.counts[i] ?? 0),
				backgroundColor: color,
				borderColor: color
			};
		})
	};
}

export interface MeanDataset extends BarDataset {
	/** 95% bootstrap bounds, aligned with data (for an error-bar plugin or tooltips). */
	lower: (number | null)[];
	upper: (number | null)[];
}

/**
 * Grouped bars of mean ratings: labels = dimension labels, one dataset per checkpoint with the
 * means and their 95% cluster-bootstrap bounds.
 */
export function meansWithCi(analysis: StudyAnalysis): ChartData<MeanDataset> {
	const { checkpoints, dimensions } = analysis.overview;
	return {
		labels: dimensions.map((d) => d.label),
		datasets: checkpoints.map((cp, k) => {
			const cells = dimensions.map((d) =>
				analysis.descriptives.find((c) => c.checkpoint === cp && c.dimension === d.key)
			);
			return {
				label: cp,
				data: cells.map((c) => c?.meanCi?.estimate ?? null),
				lower: cells.map((c) => c?.meanCi?.lower ?? null),
				upper: cells.map((c) => c?.meanCi?.upper ?? null),
				backgroundColor: paletteColor(k),
				borderColor: paletteColor(k)
			};
		})
	};
}

export interface RougeDataset extends BarDataset {
	sd: (number | null)[];
	n: number;
}

const ROUGE_LABELS = [
	['rouge1', 'ROUGE-1'],
	['rouge2', 'ROUGE-2'],
	['rougeL', 'ROUGE-L'],
	['rougeLsum', 'ROUGE-Lsum']
] as const;

/**
 * Grouped bars of mean ROUGE scores: labels = ROUGE types, one dataset per checkpoint;
 * `measure` picks F (default), precision or recall.
 */
export function rougeSeries(
	analysis: StudyAnalysis,
	measure: 'fmeasure' | 'precision' | 'recall' = 'fmeasure'
): ChartData<RougeDataset> {
	return {
		labels: ROUGE_LABELS.map(([, label]) => label),
		datasets: analysis.overview.checkpoints.map((cp, k) => {
			const row = analysis.rouge.find((r) => r.checkpoint === cp);
			return {
				label: cp,
				n: row?.n ?? 0,
				data: ROUGE_LABELS.map(([t]) => row?.scores[t][measure].mean ?? null),
				sd: ROUGE_LABELS.map(([t]) => row?.scores[t][measure].sd ?? null),
				backgroundColor: paletteColor(k),
				borderColor: paletteColor(k)
			};
		})
	};
}

/** Column for predictions outside the gold labels ('none' included). */
export const OTHER_COLUMN = 'other / none';

export interface ConfusionMatrixData {
	/** Gold labels (rows). */
	rowLabels: string[];
	/** Gold labels, then OTHER_COLUMN (columns: extracted). */
	columnLabels: string[];
	counts: number[][];
	/** Each count as a percentage of its row (null for a row without samples). */
	rowPercent: (number | null)[][];
	/** Largest count, for scaling a color ramp. */
	max: number;
	/** The same counts as points for a matrix (heat-map) chart. */
	cells: { x: string; y: string; v: number }[];
}

/**
 * Confusion matrix of one label-extraction task for one checkpoint, rows gold and columns
 * extracted, with extractions outside the gold labels in a last column; null when the
 * checkpoint has no compared outputs for that task.
 */
export function confusionMatrix(
	analysis: StudyAnalysis,
	task: ClassificationTask,
	checkpoint: string
): ConfusionMatrixData | null {
	const row = analysis.classification.find((c) => c.task === task && c.checkpoint === checkpoint);
	if (!row?.report) return null;
	const { labels, confusion, predictedOutside } = row.report;
	const columnLabels = [...labels, OTHER_COLUMN];
	const counts = labels.map((_, i) => [...confusion[i]!, predictedOutside[i] ?? 0]);
	const rowPercent = counts.map((r) => {
		const total = r.reduce((s, x) => s + x, 0);
		return r.map((x) => (total > 0 ? (100 * x) / total : null));
	});
	return {
		rowLabels: [...labels],
		columnLabels,
		counts,
		rowPercent,
		max: Math.max(0, ...counts.flat()),
		cells: counts.flatMap((r, i) => r.map((v, j) => ({ x: columnLabels[j]!, y: labels[i]!, v })))
	};
}

/**
 * Colors of a pairwise outcome from the first checkpoint's side: blue for a win, vermillion for
 * a loss (apart under every common color-vision deficiency), neutral grey for a tie.
 */
export const OUTCOME_COLORS = { win: '#0072B2', tie: '#999999', loss: '#D55E00' } as const;

export interface PairwiseOutcomeData extends ChartData<DistributionDataset> {
	/** The pair and dimension behind each label. */
	cells: { a: string; b: string; dimension: string }[];
}

/**
 * Stacked bars of a pairwise round: one bar per pair of checkpoints × dimension (only
 * `dimension` when given), labelled "a vs b" plus the dimension's label when several dimensions
 * are shown, and three datasets — wins, ties, losses of the first checkpoint — as percentages of
 * the pair's judgements (null for a pair without any), with the counts for tooltips.
 */
export function pairwiseOutcomeSeries(
	analysis: PairwiseAnalysis,
	options: { dimension?: string; labels?: readonly { key: string; label: string }[] } = {}
): PairwiseOutcomeData {
	const labelOf = new Map(options.labels?.map((d) => [d.key, d.label]));
	const cells = analysis.pairs.filter(
		(c) => options.dimension === undefined || c.dimension === options.dimension
	);
	const outcomes = [
		['win', 'Wins', (c: (typeof cells)[number]) => c.wins],
		['tie', 'Ties', (c: (typeof cells)[number]) => c.ties],
		['loss', 'Losses', (c: (typeof cells)[number]) => c.losses]
	] as const;
	return {
		labels: cells.map(
			(c) =>
				`${c.a} vs ${c.b}` +
				(options.dimension === undefined ? ` · ${labelOf.get(c.dimension) ?? c.dimension}` : '')
		),
		cells: cells.map((c) => ({ a: c.a, b: c.b, dimension: c.dimension })),
		datasets: outcomes.map(([key, label, count]) => ({
			label,
			stack: 'outcomes',
			data: cells.map((c) => {
				const n = c.wins + c.ties + c.losses;
				return n > 0 ? (100 * count(c)) / n : null;
			}),
			counts: cells.map(count),
			backgroundColor: OUTCOME_COLORS[key],
			borderColor: OUTCOME_COLORS[key]
		}))
	};
}
