/**
 * Study analysis: turns the ratings, outputs and cases of one unblinded study into the tables of
 * the paper, using the validated statistics of this folder (docs/statistics.md,
 * docs/text-metrics.md) rather than new formulas. Pure: no I/O and no clock (timings come in
 * through `AnalysisHooks`). Every number in the result is finite or null, so the result survives
 * JSON.stringify / JSON.parse unchanged.
 *
 * Conventions that hold throughout:
 * - A rating row with `repeatOf` set is a repeated showing of an item to the same rater; it is
 *   used only for intra-rater agreement, never in means, tests or inter-rater agreement, so no
 *   rater counts twice for one item.
 * - Rows whose checkpoint or dimension is not in the config are left out (and counted in
 *   `overview.ignored`), so a config that lists a subset of checkpoints analyses exactly that.
 * - Raters, items and cases are ordered by their identifiers (code-unit order), not by input
 *   order, so that seeded bootstraps give the same interval whatever order an export has.
 * - Each bootstrap resamples once for all the intervals it serves, so they are jointly
 *   distributed: cases for every mean (seed `${seed}/means`; the intervals of one cell do not
 *   move when a checkpoint rated on the same cases is added), items for every dimension's alpha
 *   (`${seed}/alpha`). Kappa's pair subsample uses `${seed}/kappa-pairs/${dimension}`.
 * - Statistics come from the library functions; where a library function would be called
 *   thousands of times on large panels (bootstrap replicates, percent agreement beyond 40 raters)
 *   an equivalent computation from counts is used and checked against the library — at run
 *   time for alpha and the bootstrap, in the tests for percent agreement.
 */

import { seededRng, shuffle } from '../domain/random';
import { adjustPValues } from './adjust';
import { exactAgreement, withinOneAgreement, type AgreementResult } from './agreement';
import { bootstrapCi, type BootstrapCi, type BootstrapOptions } from './bootstrap';
import { classificationReport, type ClassificationReport } from './classification';
import { describe, quantileSorted } from './descriptive';
import { friedman } from './friedman';
import { icc, type IccEstimate, type IccForm } from './icc';
import { cohenKappa } from './kappa';
import { krippendorffAlpha } from './krippendorff';
import {
	DEFAULT_EXTRACTION_RULES,
	extractIcd10,
	extractModality,
	icd10Category,
	type ExtractionRules
} from './label-extraction';
import { rougeScores, type RougeTokenizer, type RougeType } from './rouge';
import { wordEditDistance } from './text-metrics';
import { averageRanks, wilcoxonSignedRank, type Alternative } from './wilcoxon';

// ---------------------------------------------------------------------------------------------
// Input

export interface RatingRow {
	rater: string;
	caseId: string;
	itemCode: string;
	checkpoint: string;
	dimension: string;
	score: number;
	secondsOnItem?: number | null;
	/** itemCode of the first showing when this is a repeated item. */
	repeatOf?: string | null;
}

export interface OutputRow {
	caseId: string;
	checkpoint: string;
	text: string;
	corrected?: { rater: string; text: string }[];
}

export interface CaseRow {
	caseId: string;
	reference?: string | null;
	goldModality?: string | null;
	goldIcd10?: string | null;
}

export type ScoreAggregate = 'mean' | 'median';

export interface Hypothesis {
	better: string;
	than: string;
}

export interface AnalysisConfig {
	/** Bootstrap seed. */
	seed: string;
	/** Per-case score over raters for the paired and Friedman tests. Default 'mean'. */
	aggregate?: ScoreAggregate;
	/**
	 * Pre-registered one-sided hypotheses: { better: 'ft', than: 'base' } tests x = ft against
	 * y = base with alternative 'greater'. Pairs not listed are tested two-sided.
	 */
	hypotheses?: Hypothesis[];
	/** Bootstrap replicates for every interval. Default 2000. */
	bootstrapReplicates?: number;
	rouge?: { stemmer?: boolean; tokenizer?: RougeTokenizer };
	/** Default DEFAULT_EXTRACTION_RULES. */
	extraction?: ExtractionRules;
	dimensions: { key: string; label: string }[];
	checkpoints: string[];
	/** The rating scale in order. Default [1, 2, 3, 4]; a score outside it throws. */
	scale?: number[];
	/**
	 * At most this many rater pairs get a pairwise weighted kappa per dimension (a seeded random
	 * subset of the eligible pairs, flagged `subsampled`). Default: all pairs. The number of pairs
	 * grows with the square of the raters (200 raters: 19,900 pairs), each costing a pass over
	 * the shared items.
	 */
	maxKappaPairs?: number;
}

export type StudySection =
	| 'prepare'
	| 'descriptives'
	| 'paired'
	| 'friedman'
	| 'agreement'
	| 'rouge'
	| 'classification'
	| 'correctionEffort'
	| 'timePerItem';

/** Optional instrumentation; the caller supplies the clock so this module stays pure. */
export interface AnalysisHooks {
	now: () => number;
	onSection: (section: StudySection, milliseconds: number) => void;
}

// ---------------------------------------------------------------------------------------------
// Output

/** describe() plus min and max, with NaN as null. */
export interface Summary {
	n: number;
	mean: number | null;
	sd: number | null;
	variance: number | null;
	median: number | null;
	q1: number | null;
	q3: number | null;
	iqr: number | null;
	min: number | null;
	max: number | null;
}

/** A bootstrapCi() result with NaN as null. */
export interface Interval {
	estimate: number | null;
	lower: number | null;
	upper: number | null;
	level: number;
	replicates: number;
	validReplicates: number;
}

export interface StudyOverview {
	checkpoints: string[];
	dimensions: { key: string; label: string }[];
	scale: number[];
	aggregate: ScoreAggregate;
	seed: string;
	bootstrapReplicates: number;
	hypotheses: Hypothesis[];
	/** Ratings analysed (first showings of items with a known checkpoint and dimension). */
	ratings: number;
	/** Ratings of repeated showings (used for intra-rater agreement only). */
	repeatRatings: number;
	/** Repeat ratings whose first showing by the same rater and dimension was not found. */
	unmatchedRepeats: number;
	raters: number;
	cases: number;
	items: number;
	ignored: { unknownCheckpoint: number; unknownDimension: number };
}

export interface DescriptiveCell {
	checkpoint: string;
	dimension: string;
	/** describe() of every rating in the cell (rater level). */
	summary: Summary;
	/** counts[i]: ratings equal to scale[i]. */
	counts: number[];
	/** Cases with at least one rating: the clusters the bootstrap resamples. */
	cases: number;
	/** Mean with a seeded cluster-bootstrap percentile interval over cases; null without ratings. */
	meanCi: Interval | null;
}

export interface PairedTest {
	dimension: string;
	/** For x = the pair's `a`, y = its `b`. */
	alternative: Alternative;
	/** Cases with an aggregated score under both checkpoints. */
	n: number;
	/** Non-zero differences the test ranked. */
	ranked: number;
	/** V, the sum of the ranks of positive differences a − b. */
	statistic: number | null;
	z: number | null;
	method: 'exact' | 'approx' | null;
	pValue: number | null;
	/** Holm-adjusted over the dimensions of this pair (the family). */
	pHolm: number | null;
	/** Matched-pairs rank-biserial r = (R⁺ − R⁻)/ΣR; positive when a scores higher. */
	effectSize: number | null;
	medianDifference: number | null;
	meanDifference: number | null;
	/** The checkpoint with the larger ranks (sign of r); null when r = 0 or untested. */
	higher: string | null;
	note: string | null;
}

export interface PairComparison {
	a: string;
	b: string;
	/** Number of p-values in the Holm family (dimensions of this pair with a test). */
	holmFamilySize: number;
	tests: PairedTest[];
}

export interface FriedmanRow {
	dimension: string;
	/** Complete blocks: cases with an aggregated score under every checkpoint. */
	n: number;
	k: number;
	statistic: number | null;
	df: number;
	pValue: number | null;
	meanRanks: { checkpoint: string; meanRank: number | null }[];
	note: string | null;
}

export interface PercentAgreement {
	proportion: number | null;
	agreeing: number;
	pairs: number;
	items: number;
}

export interface KappaPair {
	raterA: string;
	raterB: string;
	/** Items both rated. */
	n: number;
	kappa: number | null;
}

export interface PairwiseKappa {
	weights: 'quadratic';
	/** Rater pairs need at least this many shared items. */
	minShared: number;
	/** Pairs with at least minShared shared items. */
	eligiblePairs: number;
	/** True when only a seeded random subset of the eligible pairs was computed. */
	subsampled: boolean;
	pairs: KappaPair[];
	/** Over the computed pairs' finite kappas. */
	summary: Summary;
}

export type IccRow = { [K in keyof IccEstimate]: number | null };

export interface IccResult {
	/** Size of the complete block the ICC was computed on. */
	raters: number;
	items: number;
	forms: Record<IccForm, IccRow>;
}

export interface IntraRater {
	/** (first showing, repeat) pairs. */
	pairs: number;
	raters: number;
	/** Share of pairs with identical scores. */
	identical: number | null;
	/** Quadratic-weighted kappa between first and repeated scores, pooled over raters. */
	kappa: number | null;
}

export interface DimensionAgreement {
	dimension: string;
	raters: number;
	items: number;
	ratings: number;
	/** Krippendorff's ordinal alpha; interval by a seeded bootstrap over items. */
	alpha: Interval | null;
	icc: IccResult | null;
	kappa: PairwiseKappa;
	exact: PercentAgreement;
	withinOne: PercentAgreement;
	intraRater: IntraRater;
}

export interface MeanSd {
	mean: number | null;
	sd: number | null;
}

export interface RougeRow {
	checkpoint: string;
	/** Outputs scored (their case has a reference). */
	n: number;
	scores: Record<RougeType, { precision: MeanSd; recall: MeanSd; fmeasure: MeanSd }>;
}

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
	/** Cases with a gold label but no output of this checkpoint (not counted in n). */
	missingOutputs: number;
	report: ClassificationReport | null;
}

export interface CorrectionRow {
	checkpoint: string;
	/** Corrected versions compared (one per rater who corrected an output). */
	n: number;
	outputs: number;
	/** Word-level Levenshtein distance (editTokens). */
	distance: Summary;
	/** Distance / max(#tokens). */
	normalized: Summary;
}

export interface TimeRow {
	checkpoint: string;
	/** One value per rater and item. */
	seconds: Summary;
}

export interface StudyAnalysis {
	overview: StudyOverview;
	descriptives: DescriptiveCell[];
	paired: PairComparison[];
	friedman: FriedmanRow[];
	agreement: DimensionAgreement[];
	rouge: RougeRow[];
	classification: ClassificationRow[];
	correctionEffort: CorrectionRow[];
	timePerItem: TimeRow[];
}

// ---------------------------------------------------------------------------------------------
// Helpers

const DEFAULT_SCALE = [1, 2, 3, 4];
const MIN_SHARED_ITEMS = 5;
const ROUGE_TYPES: RougeType[] = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'];

const finite = (x: number | null | undefined): number | null =>
	x !== null && x !== undefined && Number.isFinite(x) ? x : null;

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** describe() with min/max and NaN as null. */
function summarize(values: readonly number[]): Summary {
	const d = describe(values);
	let min = Number.POSITIVE_INFINITY;
	let max = Number.NEGATIVE_INFINITY;
	for (const v of values) {
		if (v < min) min = v;
		if (v > max) max = v;
	}
	return {
		n: d.n,
		mean: finite(d.mean),
		sd: finite(d.sd),
		variance: finite(d.variance),
		median: finite(d.median),
		q1: finite(d.q1),
		q3: finite(d.q3),
		iqr: finite(d.iqr),
		min: finite(min),
		max: finite(max)
	};
}

function toInterval(ci: BootstrapCi): Interval {
	return {
		estimate: finite(ci.estimate),
		lower: finite(ci.lower),
		upper: finite(ci.upper),
		level: ci.level,
		replicates: ci.replicates,
		validReplicates: ci.validReplicates
	};
}

function toPercent(a: AgreementResult): PercentAgreement {
	return { proportion: finite(a.proportion), agreeing: a.agreeing, pairs: a.pairs, items: a.items };
}

/**
 * bootstrapCi for m statistics at once, from one resampling of the clusters: each replicate
 * evaluates all m, and component j gets exactly the interval bootstrapCi(clusters, s ⇒
 * statistics(s)[j], options) would give (same seed, same draws, same type-7 percentiles of the
 * finite replicates). It relies on bootstrapCi calling the statistic once per replicate in order
 * and then once on the original clusters (bootstrap.ts) and checks that against bootstrapCi's own
 * result for component 0. One resampling instead of m saves bootstrapCi's per-replicate sample
 * allocation m − 1 times, and the components stay jointly distributed.
 */
export function jointBootstrap<T>(
	clusters: readonly T[],
	statistics: (sample: readonly T[]) => ArrayLike<number>,
	m: number,
	options: BootstrapOptions
): BootstrapCi[] {
	if (m === 0) return [];
	const recorded = Array.from({ length: m }, () => [] as number[]);
	const first = bootstrapCi(
		clusters,
		(sample) => {
			const values = statistics(sample);
			for (let j = 0; j < m; j++) recorded[j]!.push(values[j]!);
			return values[0]!;
		},
		options
	);
	const level = first.level;
	const tail = (1 - level) / 2;
	const out = recorded.map((values): BootstrapCi => {
		if (values.length !== first.replicates + 1) {
			throw new Error('internal: bootstrapCi did not call the statistic once per replicate');
		}
		const estimate = values.pop()!;
		const finiteValues = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
		return {
			estimate,
			lower: quantileSorted(finiteValues, tail),
			upper: quantileSorted(finiteValues, 1 - tail),
			level,
			replicates: first.replicates,
			validReplicates: finiteValues.length
		};
	});
	const check = out[0];
	if (
		check &&
		!(
			Object.is(check.estimate, first.estimate) &&
			Object.is(check.lower, first.lower) &&
			Object.is(check.upper, first.upper)
		)
	) {
		throw new Error('internal: joint bootstrap disagrees with bootstrapCi');
	}
	return out;
}

function indexNames(names: readonly string[], what: string): Map<string, number> {
	const index = new Map<string, number>();
	names.forEach((name, i) => {
		if (index.has(name)) throw new RangeError(`duplicate ${what} '${name}'`);
		index.set(name, i);
	});
	return index;
}

function intern(map: Map<string, number>, key: string): number {
	let i = map.get(key);
	if (i === undefined) {
		i = map.size;
		map.set(key, i);
	}
	return i;
}

/** Names in code-unit order and old index → new index. */
function sortInterned(map: Map<string, number>): { names: string[]; remap: Int32Array } {
	const names = [...map.keys()].sort(compareStrings);
	const remap = new Int32Array(names.length);
	names.forEach((name, i) => (remap[map.get(name)!] = i));
	return { names, remap };
}

// ---------------------------------------------------------------------------------------------
// Preparation: one pass over the rows into dense typed arrays

interface PrepRow {
	rater: string;
	caseId: string;
	itemCode: string;
	checkpoint?: string;
	dimension: string;
	score: number;
	secondsOnItem?: number | null;
	repeatOf?: string | null;
}

interface RepeatPair {
	rater: number;
	first: number;
	repeat: number;
}

interface Prepared {
	scale: readonly number[];
	/** Scale indices ordered by value. */
	ascending: number[];
	dimensions: readonly string[];
	checkpoints: readonly string[];
	raters: string[];
	items: string[];
	cases: string[];
	itemCase: Int32Array;
	itemCheckpoint: Int32Array;
	/**
	 * Per dimension, items × raters (cell i·R + r): the rating's index in `scale`, or −1.
	 * Dense, R·I bytes per dimension: reviewer panels are small, and every agreement statistic
	 * of the library takes a full raters × items matrix anyway.
	 */
	scores: Int8Array[];
	/** items × raters: seconds on the item, NaN when unknown. */
	seconds: Float64Array;
	/** Per dimension: scale indices of (first showing, repeat) by the same rater. */
	repeats: RepeatPair[][];
	ratings: number;
	repeatRatings: number;
	unmatchedRepeats: number;
	ignoredCheckpoint: number;
	ignoredDimension: number;
}

function prepare(
	rows: readonly PrepRow[],
	dimensions: readonly string[],
	checkpoints: readonly string[] | null,
	scale: readonly number[]
): Prepared {
	const dimIndex = indexNames(dimensions, 'dimension');
	const cpIndex = checkpoints ? indexNames(checkpoints, 'checkpoint') : null;
	if (scale.length < 2 || scale.length > 127) throw new RangeError('scale needs 2–127 values');
	if (!scale.every(Number.isFinite)) throw new RangeError('scale values must be finite numbers');
	const scaleIndex = new Map(scale.map((v, i) => [v, i]));
	if (scaleIndex.size !== scale.length) throw new RangeError('scale values must be distinct');

	const raterIds = new Map<string, number>();
	const itemIds = new Map<string, number>();
	const caseIds = new Map<string, number>();
	const itemCaseList: number[] = [];
	const itemCpList: number[] = [];
	const n = rows.length;
	const rowRater = new Int32Array(n);
	const rowItem = new Int32Array(n);
	const rowDim = new Int32Array(n);
	const rowScore = new Int8Array(n);
	const rowSeconds = new Float64Array(n);
	const repeatRows: { rater: number; repeatOf: string; dim: number; score: number }[] = [];
	let kept = 0;
	let ignoredCheckpoint = 0;
	let ignoredDimension = 0;
	// Exports list one rater's or one item's rows together, so remembering the last lookup saves
	// most of the string-keyed map accesses on large studies.
	let lastRaterName: string | undefined;
	let lastRater = -1;
	let lastItemCode: string | undefined;
	let lastCaseId: string | undefined;
	let lastCheckpoint: string | undefined;
	let lastItem = -1;
	let lastCheckpointName: string | undefined;
	let lastK = cpIndex ? -1 : 0;

	for (const row of rows) {
		const d = dimIndex.get(row.dimension);
		if (d === undefined) {
			ignoredDimension++;
			continue;
		}
		if (row.checkpoint !== lastCheckpointName) {
			const found = cpIndex ? cpIndex.get(row.checkpoint ?? '') : 0;
			lastCheckpointName = row.checkpoint;
			lastK = found ?? -1;
		}
		const k = lastK;
		if (k < 0) {
			ignoredCheckpoint++;
			continue;
		}
		const s = scaleIndex.get(row.score);
		if (s === undefined) {
			throw new RangeError(
				`score ${row.score} of rater ${row.rater}, item ${row.itemCode} is not on the scale`
			);
		}
		if (row.rater !== lastRaterName) {
			lastRaterName = row.rater;
			lastRater = intern(raterIds, row.rater);
		}
		if (row.repeatOf !== null && row.repeatOf !== undefined) {
			repeatRows.push({ rater: lastRater, repeatOf: row.repeatOf, dim: d, score: s });
			continue;
		}
		if (
			row.itemCode !== lastItemCode ||
			row.caseId !== lastCaseId ||
			row.checkpoint !== lastCheckpoint
		) {
			const c = intern(caseIds, row.caseId);
			let item = itemIds.get(row.itemCode);
			if (item === undefined) {
				item = itemIds.size;
				itemIds.set(row.itemCode, item);
				itemCaseList.push(c);
				itemCpList.push(k);
			} else if (itemCaseList[item] !== c || itemCpList[item] !== k) {
				throw new RangeError(`item ${row.itemCode} appears with two cases or checkpoints`);
			}
			lastItemCode = row.itemCode;
			lastCaseId = row.caseId;
			lastCheckpoint = row.checkpoint;
			lastItem = item;
		}
		rowRater[kept] = lastRater;
		rowItem[kept] = lastItem;
		rowDim[kept] = d;
		rowScore[kept] = s;
		const sec = row.secondsOnItem;
		rowSeconds[kept] = sec !== null && sec !== undefined && sec >= 0 && sec < Infinity ? sec : NaN;
		kept++;
	}

	const raters = sortInterned(raterIds);
	const items = sortInterned(itemIds);
	const cases = sortInterned(caseIds);
	const R = raters.names.length;
	const I = items.names.length;
	const itemCase = new Int32Array(I);
	const itemCheckpoint = new Int32Array(I);
	for (let old = 0; old < I; old++) {
		itemCase[items.remap[old]!] = cases.remap[itemCaseList[old]!]!;
		itemCheckpoint[items.remap[old]!] = itemCpList[old]!;
	}
	const scores = dimensions.map(() => new Int8Array(R * I).fill(-1));
	const seconds = new Float64Array(R * I).fill(Number.NaN);
	for (let t = 0; t < kept; t++) {
		const cell = items.remap[rowItem[t]!]! * R + raters.remap[rowRater[t]!]!;
		const matrix = scores[rowDim[t]!]!;
		if (matrix[cell] !== -1) {
			const i = Math.floor(cell / R);
			throw new RangeError(
				`duplicate rating: rater ${raters.names[cell - i * R]}, item ${items.names[i]}, ` +
					`dimension ${dimensions[rowDim[t]!]}`
			);
		}
		matrix[cell] = rowScore[t]!;
		// The app stores time per item, so each dimension row repeats it: keep the first.
		if (Number.isNaN(seconds[cell]!)) seconds[cell] = rowSeconds[t]!;
	}

	const repeats: RepeatPair[][] = dimensions.map(() => []);
	let unmatchedRepeats = 0;
	for (const rep of repeatRows) {
		const oldItem = itemIds.get(rep.repeatOf);
		const rater = raters.remap[rep.rater]!;
		const first = oldItem === undefined ? -1 : scores[rep.dim]![items.remap[oldItem]! * R + rater]!;
		if (first < 0) unmatchedRepeats++;
		else repeats[rep.dim]!.push({ rater, first, repeat: rep.score });
	}

	return {
		scale,
		ascending: [...scale.keys()].sort((x, y) => scale[x]! - scale[y]!),
		dimensions,
		checkpoints: checkpoints ?? [''],
		raters: raters.names,
		items: items.names,
		cases: cases.names,
		itemCase,
		itemCheckpoint,
		scores,
		seconds,
		repeats,
		ratings: kept,
		repeatRatings: repeatRows.length,
		unmatchedRepeats,
		ignoredCheckpoint,
		ignoredDimension
	};
}

/**
 * Per dimension, rating counts per (checkpoint k, case c, scale index s) at (k·C + c)·V + s.
 * Scores are few distinct values, so counts carry everything the rating tables need.
 */
function cellCounts(p: Prepared): Int32Array[] {
	const R = p.raters.length;
	const C = p.cases.length;
	const V = p.scale.length;
	return p.scores.map((matrix) => {
		const counts = new Int32Array(p.checkpoints.length * C * V);
		for (let i = 0; i < p.items.length; i++) {
			const base = (p.itemCheckpoint[i]! * C + p.itemCase[i]!) * V;
			for (let r = 0, cell = i * R; r < R; r++, cell++) {
				const s = matrix[cell]!;
				if (s >= 0) counts[base + s]!++;
			}
		}
		return counts;
	});
}

/** The values behind counts[offset … offset + V), in ascending order (describe() sorts them). */
function expand(p: Prepared, counts: ArrayLike<number>, offset: number): number[] {
	const out: number[] = [];
	for (const s of p.ascending) {
		const v = p.scale[s]!;
		for (let n = counts[offset + s]!; n > 0; n--) out.push(v);
	}
	return out;
}

// ---------------------------------------------------------------------------------------------
// Descriptives, paired tests, Friedman

function descriptivesSection(
	p: Prepared,
	counts: Int32Array[],
	seed: string,
	replicates: number
): DescriptiveCell[] {
	const C = p.cases.length;
	const K = p.checkpoints.length;
	const D = p.dimensions.length;
	const V = p.scale.length;
	// Per case, its rating sums and counts for every cell (at c·KD + k·D + d): one resampling of
	// cases serves all cells and keeps their dependence.
	const KD = K * D;
	const caseSums = new Float64Array(C * KD);
	const caseCounts = new Float64Array(C * KD);
	const cells = p.checkpoints.flatMap((checkpoint, k) =>
		p.dimensions.map((dimension, d) => {
			const totals = new Array<number>(V).fill(0);
			let cases = 0;
			for (let c = 0; c < C; c++) {
				const offset = (k * C + c) * V;
				let sum = 0;
				let n = 0;
				for (let s = 0; s < V; s++) {
					const m = counts[d]![offset + s]!;
					totals[s]! += m;
					sum += m * p.scale[s]!;
					n += m;
				}
				if (n === 0) continue;
				cases++;
				caseSums[c * KD + k * D + d] = sum;
				caseCounts[c * KD + k * D + d] = n;
			}
			const summary = summarize(expand(p, totals, 0));
			return { checkpoint, dimension, summary, counts: totals, cases };
		})
	);
	if (C === 0) return cells.map((cell) => ({ ...cell, meanCi: null }));
	// The statistic is the mean of every rating in the resampled cases, i.e. each cell's mean.
	const weight = new Int32Array(C);
	const intervals = jointBootstrap(
		[...weight.keys()],
		(sample) => {
			weight.fill(0);
			for (const c of sample) weight[c]!++;
			const sums = new Float64Array(KD);
			const counts = new Float64Array(KD);
			for (let c = 0; c < C; c++) {
				const w = weight[c]!;
				if (w === 0) continue;
				for (let j = 0, x = c * KD; j < KD; j++, x++) {
					sums[j]! += w * caseSums[x]!;
					counts[j]! += w * caseCounts[x]!;
				}
			}
			return sums.map((x, j) => x / counts[j]!);
		},
		KD,
		{ seed: `${seed}/means`, replicates }
	);
	return cells.map((cell, j) => ({
		...cell,
		meanCi: cell.cases === 0 ? null : toInterval(intervals[j]!)
	}));
}

/** Per dimension, per (k, c) at k·C + c: the case's score over raters, NaN when unrated. */
function caseScores(p: Prepared, counts: Int32Array[], aggregate: ScoreAggregate): Float64Array[] {
	const V = p.scale.length;
	return counts.map((cells) => {
		const out = new Float64Array(cells.length / V).fill(Number.NaN);
		for (let key = 0; key < out.length; key++) {
			let sum = 0;
			let n = 0;
			for (let s = 0; s < V; s++) {
				sum += cells[key * V + s]! * p.scale[s]!;
				n += cells[key * V + s]!;
			}
			if (n === 0) continue;
			out[key] = aggregate === 'median' ? describe(expand(p, cells, key * V)).median : sum / n;
		}
		return out;
	});
}

function alternativeFor(hypotheses: readonly Hypothesis[], a: string, b: string): Alternative {
	const forward = hypotheses.some((h) => h.better === a && h.than === b);
	const backward = hypotheses.some((h) => h.better === b && h.than === a);
	if (forward && backward) throw new RangeError(`hypotheses contradict each other on ${a}/${b}`);
	return forward ? 'greater' : backward ? 'less' : 'two-sided';
}

/**
 * Wilcoxon signed-rank tests for every pair of checkpoints (a before b in config order, x = a)
 * and dimension, on per-case aggregated scores of the cases both have. Holm family: the
 * dimensions of one pair, i.e. "does a differ from b on any dimension"; pairs are separate
 * questions (usually one pre-registered contrast each), so p is not adjusted across pairs.
 * All-zero differences give p = 1 (no evidence of a difference; R reports NA) and that p stays
 * in the family, which is fixed by the design, not by the data; pairs without shared cases have
 * no p and are not counted.
 */
function pairedSection(
	p: Prepared,
	scores: Float64Array[],
	hypotheses: readonly Hypothesis[]
): PairComparison[] {
	const C = p.cases.length;
	const out: PairComparison[] = [];
	p.checkpoints.forEach((a, ka) => {
		p.checkpoints.forEach((b, kb) => {
			if (kb <= ka) return;
			const alternative = alternativeFor(hypotheses, a, b);
			const tests = p.dimensions.map((dimension, d): PairedTest => {
				const x: number[] = [];
				const y: number[] = [];
				for (let c = 0; c < C; c++) {
					const xa = scores[d]![ka * C + c]!;
					const yb = scores[d]![kb * C + c]!;
					if (!Number.isNaN(xa) && !Number.isNaN(yb)) {
						x.push(xa);
						y.push(yb);
					}
				}
				const base = { dimension, alternative, n: x.length, pHolm: null };
				if (x.length === 0) {
					return {
						...base,
						ranked: 0,
						statistic: null,
						z: null,
						method: null,
						pValue: null,
						effectSize: null,
						medianDifference: null,
						meanDifference: null,
						higher: null,
						note: 'no case rated under both checkpoints'
					};
				}
				const diff = describe(x.map((v, i) => v - y[i]!));
				const w = wilcoxonSignedRank(x, y, { alternative });
				const allZero = w.n === 0;
				return {
					...base,
					ranked: w.n,
					statistic: w.statistic,
					z: allZero ? null : finite(w.z),
					method: w.method,
					pValue: allZero ? 1 : finite(w.pValue),
					effectSize: w.effectSize,
					medianDifference: finite(diff.median),
					meanDifference: finite(diff.mean),
					higher: w.effectSize > 0 ? a : w.effectSize < 0 ? b : null,
					note: allZero ? 'all differences are zero: p set to 1' : null
				};
			});
			const holm = adjustPValues(
				tests.map((t) => t.pValue ?? Number.NaN),
				'holm'
			);
			tests.forEach((t, i) => (t.pHolm = finite(holm[i])));
			out.push({ a, b, holmFamilySize: tests.filter((t) => t.pValue !== null).length, tests });
		});
	});
	return out;
}

function friedmanSection(p: Prepared, scores: Float64Array[]): FriedmanRow[] {
	const K = p.checkpoints.length;
	const C = p.cases.length;
	if (K < 3) return [];
	return p.dimensions.map((dimension, d) => {
		const blocks: number[][] = [];
		for (let c = 0; c < C; c++) {
			const row = p.checkpoints.map((_, k) => scores[d]![k * C + c]!);
			if (row.every((v) => !Number.isNaN(v))) blocks.push(row);
		}
		const base = { dimension, n: blocks.length, k: K, df: K - 1 };
		if (blocks.length === 0) {
			return {
				...base,
				statistic: null,
				pValue: null,
				meanRanks: p.checkpoints.map((checkpoint) => ({ checkpoint, meanRank: null })),
				note: 'no case rated under every checkpoint'
			};
		}
		const result = friedman(blocks);
		const rankSums = new Array<number>(K).fill(0);
		for (const row of blocks) averageRanks(row).ranks.forEach((r, k) => (rankSums[k]! += r));
		return {
			...base,
			statistic: finite(result.statistic),
			pValue: finite(result.pValue),
			meanRanks: p.checkpoints.map((checkpoint, k) => ({
				checkpoint,
				meanRank: rankSums[k]! / blocks.length
			})),
			note: Number.isNaN(result.statistic) ? 'every case scored alike under all checkpoints' : null
		};
	});
}

// ---------------------------------------------------------------------------------------------
// Agreement

/**
 * Ordinal alpha from a summed coincidence matrix o (V × V, row-major), with the same operations
 * in the same order as krippendorffAlpha, so that on the original items it reproduces that
 * function bit for bit (agreementSection checks this on every call). It exists because the bootstrap
 * needs alpha thousands of times: re-running krippendorffAlpha on a resampled raters × items
 * matrix costs O(raters · items) per replicate, while summing per-item coincidences costs
 * O(items · V²).
 */
function ordinalAlphaFromCoincidences(o: Float64Array, V: number): number {
	const nc = new Array<number>(V);
	for (let c = 0; c < V; c++) {
		let s = 0;
		for (let k = 0; k < V; k++) s += o[c * V + k]!;
		nc[c] = s;
	}
	const n = nc.reduce((s, x) => s + x, 0);
	if (n < 2) return Number.NaN;
	const cumulative = [0];
	for (const x of nc) cumulative.push(cumulative[cumulative.length - 1]! + x);
	let observed = 0;
	let expected = 0;
	for (let c = 0; c < V; c++) {
		for (let k = 0; k < V; k++) {
			if (c === k) continue;
			const lo = Math.min(c, k);
			const hi = Math.max(c, k);
			const between = cumulative[hi + 1]! - cumulative[lo]! - (nc[c]! + nc[k]!) / 2;
			const delta = between * between;
			observed += o[c * V + k]! * delta;
			expected += nc[c]! * nc[k]! * delta;
		}
	}
	if (expected === 0) return Number.NaN;
	return 1 - ((n - 1) * observed) / expected;
}

/** One item's coincidence contributions counts_c·(counts_k − [c = k])/(m − 1); null if m < 2. */
function itemCoincidences(counts: readonly number[]): Float64Array | null {
	const V = counts.length;
	const m = counts.reduce((s, x) => s + x, 0);
	if (m < 2) return null;
	const o = new Float64Array(V * V);
	for (let c = 0; c < V; c++) {
		if (counts[c] === 0) continue;
		for (let k = 0; k < V; k++) {
			const pairs = counts[c]! * (counts[k]! - (c === k ? 1 : 0));
			if (pairs > 0) o[c * V + k] = pairs / (m - 1);
		}
	}
	return o;
}

interface Block {
	raters: number[];
	items: number[];
}

const cellsOf = (b: Block) => b.raters.length * b.items.length;
const betterBlock = (x: Block, y: Block | null): boolean =>
	y === null ||
	cellsOf(x) > cellsOf(y) ||
	(cellsOf(x) === cellsOf(y) && x.items.length > y.items.length);

/**
 * Greedy search for a complete block: repeatedly drop the rater or item with the largest share
 * of missing cells (items first on ties: raters are the scarcer resource) until nothing is
 * missing. Finds the block when ratings are missing at random.
 */
function greedyBlock(rows: readonly Int8Array[], I: number): Block | null {
	const R = rows.length;
	const raterOn = new Uint8Array(R).fill(1);
	const itemOn = new Uint8Array(I).fill(1);
	const missR = new Int32Array(R);
	const missI = new Int32Array(I);
	let total = 0;
	rows.forEach((row, r) => {
		for (let j = 0; j < I; j++) {
			if (row[j]! < 0) {
				missR[r]!++;
				missI[j]!++;
				total++;
			}
		}
	});
	let nR = R;
	let nI = I;
	while (total > 0) {
		if (nR < 2 || nI < 2) return null;
		let worstItem = -1;
		let itemShare = -1;
		for (let j = 0; j < I; j++) {
			if (itemOn[j] && missI[j]! / nR > itemShare) {
				itemShare = missI[j]! / nR;
				worstItem = j;
			}
		}
		let worstRater = -1;
		let raterShare = -1;
		for (let r = 0; r < R; r++) {
			if (raterOn[r] && missR[r]! / nI > raterShare) {
				raterShare = missR[r]! / nI;
				worstRater = r;
			}
		}
		if (raterShare > itemShare) {
			raterOn[worstRater] = 0;
			nR--;
			total -= missR[worstRater]!;
			const row = rows[worstRater]!;
			for (let j = 0; j < I; j++) if (itemOn[j] && row[j]! < 0) missI[j]!--;
		} else {
			itemOn[worstItem] = 0;
			nI--;
			total -= missI[worstItem]!;
			for (let r = 0; r < R; r++) if (raterOn[r] && rows[r]![worstItem]! < 0) missR[r]!--;
		}
	}
	const block = {
		raters: [...raterOn.keys()].filter((r) => raterOn[r]),
		items: [...itemOn.keys()].filter((j) => itemOn[j])
	};
	return block.raters.length >= 2 && block.items.length >= 2 ? block : null;
}

/**
 * The largest complete raters × items block we can find (icc() needs complete data); the exact
 * maximum is a maximum-edge biclique, NP-hard. Candidates: (1) for each distinct set S of raters
 * who rated some item, S × every item rated by all of S — exact for crossed designs and for block
 * designs (panels rating disjoint item sets); (2) the greedy block above, for scattered missing
 * ratings. The block with the most cells wins, ties going to more items.
 */
function largestCompleteBlock(rows: readonly Int8Array[], I: number): Block | null {
	const R = rows.length;
	if (R < 2 || I < 2) return null;
	let best = greedyBlock(rows, I);
	const words = Math.ceil(R / 32);
	const bits = new Uint32Array(I * words);
	rows.forEach((row, r) => {
		for (let j = 0; j < I; j++) if (row[j]! >= 0) bits[j * words + (r >> 5)]! |= 1 << (r & 31);
	});
	const sets = new Map<string, { item: number; size: number }>();
	for (let j = 0; j < I; j++) {
		const key = bits.subarray(j * words, (j + 1) * words).join(',');
		if (sets.has(key)) continue;
		let size = 0;
		for (let r = 0; r < R; r++) if (rows[r]![j]! >= 0) size++;
		sets.set(key, { item: j, size });
	}
	const candidates = [...sets.values()].sort((x, y) => y.size - x.size || x.item - y.item);
	for (const { item, size } of candidates) {
		if (size < 2 || (best !== null && size * I < cellsOf(best))) break;
		const s = bits.subarray(item * words, (item + 1) * words);
		const items: number[] = [];
		for (let j = 0; j < I; j++) {
			let covers = true;
			for (let w = 0; w < words && covers; w++) {
				covers = (bits[j * words + w]! & s[w]!) >>> 0 === s[w]! >>> 0;
			}
			if (covers) items.push(j);
		}
		const raters = [...rows.keys()].filter((r) => (s[r >> 5]! >>> (r & 31)) & 1);
		const block = { raters, items };
		if (items.length >= 2 && betterBlock(block, best)) best = block;
	}
	return best;
}

function iccFor(rows: readonly Int8Array[], scale: readonly number[], I: number): IccResult | null {
	const block = largestCompleteBlock(rows, I);
	if (!block) return null;
	const matrix = block.items.map((j) => block.raters.map((r) => scale[rows[r]![j]!]!));
	const estimates = icc(matrix);
	const forms = {} as Record<IccForm, IccRow>;
	for (const [form, e] of Object.entries(estimates) as [IccForm, IccEstimate][]) {
		forms[form] = {
			value: finite(e.value),
			F: finite(e.F),
			df1: finite(e.df1),
			df2: finite(e.df2),
			pValue: finite(e.pValue),
			lower: finite(e.lower),
			upper: finite(e.upper)
		};
	}
	return { raters: block.raters.length, items: block.items.length, forms };
}

/** Number of set bits of a 32-bit integer (Hacker's Delight, fig. 5-2). */
function popcount(x: number): number {
	x -= (x >>> 1) & 0x55555555;
	x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
	x = (x + (x >>> 4)) & 0x0f0f0f0f;
	return Math.imul(x, 0x01010101) >>> 24;
}

function pairwiseKappa(
	rows: readonly Int8Array[],
	raterNames: readonly string[],
	scale: readonly number[],
	I: number,
	maxPairs: number,
	seed: string
): PairwiseKappa {
	// Shared items by popcount of rated-item bitsets: the scan over all pairs is quadratic in the
	// raters, so it must cost words, not items.
	const words = Math.ceil(I / 32);
	const rated = rows.map((row) => {
		const bits = new Uint32Array(words);
		for (let j = 0; j < I; j++) if (row[j]! >= 0) bits[j >> 5]! |= 1 << (j & 31);
		return bits;
	});
	const eligible: [number, number, number][] = [];
	for (let a = 0; a < rows.length; a++) {
		const ba = rated[a]!;
		for (let b = a + 1; b < rows.length; b++) {
			const bb = rated[b]!;
			let shared = 0;
			for (let w = 0; w < words; w++) shared += popcount(ba[w]! & bb[w]!);
			if (shared >= MIN_SHARED_ITEMS) eligible.push([a, b, shared]);
		}
	}
	const subsampled = eligible.length > maxPairs;
	const chosen = subsampled
		? shuffle(eligible, seededRng(seed))
				.slice(0, maxPairs)
				.sort((x, y) => x[0] - y[0] || x[1] - y[1])
		: eligible;
	const pairs = chosen.map(([a, b, shared]): KappaPair => {
		const xa = new Array<number>(shared);
		const xb = new Array<number>(shared);
		const ra = rows[a]!;
		const rb = rows[b]!;
		for (let j = 0, t = 0; j < I; j++) {
			if (ra[j]! >= 0 && rb[j]! >= 0) {
				xa[t] = scale[ra[j]!]!;
				xb[t++] = scale[rb[j]!]!;
			}
		}
		const kappa = cohenKappa(xa, xb, { weights: 'quadratic', categories: scale });
		return { raterA: raterNames[a]!, raterB: raterNames[b]!, n: shared, kappa: finite(kappa) };
	});
	const values = pairs.flatMap((x) => (x.kappa === null ? [] : [x.kappa]));
	return {
		weights: 'quadratic',
		minShared: MIN_SHARED_ITEMS,
		eligiblePairs: eligible.length,
		subsampled,
		pairs,
		summary: summarize(values)
	};
}

function intraRater(pairs: readonly RepeatPair[], scale: readonly number[]): IntraRater {
	if (pairs.length === 0) return { pairs: 0, raters: 0, identical: null, kappa: null };
	const first = pairs.map((x) => scale[x.first]!);
	const repeat = pairs.map((x) => scale[x.repeat]!);
	const same = pairs.filter((x) => x.first === x.repeat).length;
	return {
		pairs: pairs.length,
		raters: new Set(pairs.map((x) => x.rater)).size,
		identical: same / pairs.length,
		kappa: finite(cohenKappa(first, repeat, { weights: 'quadratic', categories: scale }))
	};
}

/** Above this many raters, percent agreement is counted from category counts (see below). */
const PAIR_ENUMERATION_MAX_RATERS = 40;

/**
 * Exact and within-one pairwise agreement. exactAgreement/withinOneAgreement enumerate the rater
 * pairs of every item, O(raters²) per item (200 raters: 19,900 pairs × 1,000 items × 2 × 5
 * dimensions ≈ 0.2 billion comparisons). For large panels the same integers come from the
 * item's category counts n_c: pairs = Σ_{c ≤ c'} n_c·n_c' over categories within the tolerance
 * (n_c(n_c − 1)/2 when c = c'), which the tests check equal to the library on random designs.
 */
function percentAgreement(
	table: readonly (readonly (number | null)[])[],
	rows: readonly Int8Array[],
	scale: readonly number[]
): { exact: PercentAgreement; withinOne: PercentAgreement } {
	if (rows.length <= PAIR_ENUMERATION_MAX_RATERS) {
		return {
			exact: toPercent(exactAgreement(table)),
			withinOne: toPercent(withinOneAgreement(table))
		};
	}
	return {
		exact: agreementFromCounts(rows, scale, 0),
		withinOne: agreementFromCounts(rows, scale, 1)
	};
}

/** agreementWithin(table, tolerance) from category counts; `rows` hold scale indices. */
function agreementFromCounts(
	rows: readonly Int8Array[],
	scale: readonly number[],
	tolerance: number
): PercentAgreement {
	const V = scale.length;
	const I = rows[0]?.length ?? 0;
	const counts = new Array<number>(V);
	let agreeing = 0;
	let pairs = 0;
	let items = 0;
	for (let j = 0; j < I; j++) {
		counts.fill(0);
		let m = 0;
		for (const row of rows) {
			const s = row[j]!;
			if (s >= 0) {
				counts[s]!++;
				m++;
			}
		}
		if (m < 2) continue;
		items++;
		pairs += (m * (m - 1)) / 2;
		for (let c = 0; c < V; c++) {
			agreeing += (counts[c]! * (counts[c]! - 1)) / 2;
			for (let c2 = c + 1; c2 < V; c2++) {
				if (Math.abs(scale[c2]! - scale[c]!) <= tolerance) agreeing += counts[c]! * counts[c2]!;
			}
		}
	}
	return { proportion: pairs > 0 ? agreeing / pairs : null, agreeing, pairs, items };
}

interface AgreementOptions {
	seed: string;
	replicates: number;
	maxKappaPairs: number;
}

/**
 * Everything but alpha's interval for dimension d; each item's coincidence contributions (V × V,
 * for items with at least two ratings) go to `keepCoincidences` for the bootstrap.
 */
function agreementFor(
	p: Prepared,
	d: number,
	opts: AgreementOptions,
	keepCoincidences: (item: number, o: Float64Array) => void
): { result: DimensionAgreement; alpha: number } {
	const dimension = p.dimensions[d]!;
	const matrix = p.scores[d]!;
	const R = p.raters.length;
	const V = p.scale.length;
	// Only raters and items with a rating in this dimension take part.
	const activeItems: number[] = [];
	const raterActive = new Uint8Array(R);
	let ratings = 0;
	const counts = new Array<number>(V);
	for (let i = 0; i < p.items.length; i++) {
		counts.fill(0);
		for (let r = 0, cell = i * R; r < R; r++, cell++) {
			const s = matrix[cell]!;
			if (s >= 0) {
				raterActive[r] = 1;
				counts[s]!++;
				ratings++;
			}
		}
		const o = itemCoincidences(counts);
		if (o) keepCoincidences(i, o);
		if (counts.some((c) => c > 0)) activeItems.push(i);
	}
	const activeRaters = [...raterActive.keys()].filter((r) => raterActive[r]);
	const I = activeItems.length;
	// Rater-major copies for the library's raters × items layout and for pair loops.
	const rows = activeRaters.map((r) => {
		const row = new Int8Array(I);
		for (let j = 0; j < I; j++) row[j] = matrix[activeItems[j]! * R + r]!;
		return row;
	});
	const table = rows.map((row) => {
		const values = new Array<number | null>(I);
		for (let j = 0; j < I; j++) values[j] = row[j]! < 0 ? null : p.scale[row[j]!]!;
		return values;
	});
	const raterNames = activeRaters.map((r) => p.raters[r]!);
	const result: DimensionAgreement = {
		dimension,
		raters: activeRaters.length,
		items: I,
		ratings,
		alpha: null,
		icc: iccFor(rows, p.scale, I),
		kappa: pairwiseKappa(
			rows,
			raterNames,
			p.scale,
			I,
			opts.maxKappaPairs,
			`${opts.seed}/kappa-pairs/${dimension}`
		),
		...percentAgreement(table, rows, p.scale),
		intraRater: intraRater(p.repeats[d]!, p.scale)
	};
	return { result, alpha: I > 0 ? krippendorffAlpha(table, 'ordinal', p.scale) : Number.NaN };
}

/**
 * Agreement per dimension. Alpha's interval comes from one bootstrap over items shared by all
 * dimensions (seed `${seed}/alpha`): a replicate draws items with replacement, sums their
 * coincidence contributions per dimension and evaluates alpha from the sums; on the original
 * items that reproduces krippendorffAlpha, which is checked here.
 */
function agreementSection(p: Prepared, opts: AgreementOptions): DimensionAgreement[] {
	const D = p.dimensions.length;
	const V = p.scale.length;
	// o is symmetric, so each item keeps only c ≤ k: T entries per dimension instead of V².
	const T = (V * (V + 1)) / 2;
	const tri = new Int32Array(V * V);
	for (let c = 0, t = 0; c < V; c++)
		for (let k = c; k < V; k++, t++) tri[c * V + k] = tri[k * V + c] = t;
	// units[i·DT + d·T + t]: item i's contributions, flat so the replicate loop stays monomorphic.
	const DT = D * T;
	const I = p.items.length;
	const units = new Float64Array(I * DT);
	const parts = p.dimensions.map((_, d) =>
		agreementFor(p, d, opts, (item, o) => {
			for (let c = 0; c < V; c++) {
				for (let k = c; k < V; k++) units[item * DT + d * T + tri[c * V + k]!] = o[c * V + k]!;
			}
		})
	);
	if (I === 0) return parts.map((x) => x.result);
	const weight = new Int32Array(I);
	const sums = new Float64Array(DT);
	const full = new Float64Array(V * V);
	const intervals = jointBootstrap(
		[...weight.keys()],
		(sample) => {
			// An item drawn w times adds w times its contribution (w = 1 adds it exactly, so the
			// original sample reproduces krippendorffAlpha's sums); undrawn items are skipped.
			weight.fill(0);
			for (const i of sample) weight[i]!++;
			sums.fill(0);
			for (let i = 0; i < I; i++) {
				const w = weight[i]!;
				if (w === 0) continue;
				for (let t = 0, x = i * DT; t < DT; t++, x++) sums[t]! += w * units[x]!;
			}
			return p.dimensions.map((_, d) => {
				for (let x = 0; x < V * V; x++) full[x] = sums[d * T + tri[x]!]!;
				return ordinalAlphaFromCoincidences(full, V);
			});
		},
		D,
		{ seed: `${opts.seed}/alpha`, replicates: opts.replicates }
	);
	return parts.map(({ result, alpha }, d) => {
		const ci = intervals[d]!;
		const same =
			Object.is(ci.estimate, alpha) ||
			Math.abs(ci.estimate - alpha) <= 1e-12 * Math.max(1, Math.abs(alpha));
		if (!same) {
			throw new Error(`internal: bootstrap alpha ${ci.estimate} ≠ krippendorffAlpha ${alpha}`);
		}
		return { ...result, alpha: result.items === 0 ? null : toInterval({ ...ci, estimate: alpha }) };
	});
}

// ---------------------------------------------------------------------------------------------
// Text sections

function outputIndex(
	outputs: readonly OutputRow[],
	checkpoints: readonly string[]
): Map<string, OutputRow>[] {
	const cpIndex = new Map(checkpoints.map((c, k) => [c, k]));
	const byCp = checkpoints.map(() => new Map<string, OutputRow>());
	for (const o of outputs) {
		const k = cpIndex.get(o.checkpoint);
		if (k === undefined) continue;
		if (byCp[k]!.has(o.caseId)) {
			throw new RangeError(`two outputs for case ${o.caseId}, checkpoint ${o.checkpoint}`);
		}
		byCp[k]!.set(o.caseId, o);
	}
	return byCp;
}

const present = (s: string | null | undefined): s is string =>
	s !== null && s !== undefined && s.trim() !== '';

function rougeSection(
	byCp: Map<string, OutputRow>[],
	checkpoints: readonly string[],
	cases: readonly CaseRow[],
	opts: AnalysisConfig['rouge']
): RougeRow[] {
	const withReference = cases.filter((c) => present(c.reference));
	return checkpoints.map((checkpoint, k) => {
		const values = Object.fromEntries(
			ROUGE_TYPES.map((t) => [
				t,
				{ precision: [] as number[], recall: [] as number[], fmeasure: [] as number[] }
			])
		) as Record<RougeType, Record<'precision' | 'recall' | 'fmeasure', number[]>>;
		let n = 0;
		for (const c of withReference) {
			const output = byCp[k]!.get(c.caseId);
			if (!output) continue;
			n++;
			const s = rougeScores(c.reference!, output.text, opts ?? {});
			for (const t of ROUGE_TYPES) {
				values[t].precision.push(s[t].precision);
				values[t].recall.push(s[t].recall);
				values[t].fmeasure.push(s[t].fmeasure);
			}
		}
		const meanSd = (xs: number[]): MeanSd => {
			const d = describe(xs);
			return { mean: finite(d.mean), sd: finite(d.sd) };
		};
		const scores = Object.fromEntries(
			ROUGE_TYPES.map((t) => [
				t,
				{
					precision: meanSd(values[t].precision),
					recall: meanSd(values[t].recall),
					fmeasure: meanSd(values[t].fmeasure)
				}
			])
		) as RougeRow['scores'];
		return { checkpoint, n, scores };
	});
}

/**
 * Extracted labels against gold per checkpoint. Labels = the gold label set (modalities in the
 * order of the rules' keywords, codes sorted), so a class no gold case has does not enter macro
 * averages with F1 = 0. An output where extraction found nothing is predicted NO_LABEL, and like
 * any prediction outside the gold set it is wrong in accuracy and a false negative of its true
 * class, but a false positive of none (scikit-learn with labels=); see classificationReport.
 */
function classificationSection(
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
				missingOutputs,
				report: truth.length === 0 ? null : classificationReport(truth, pred, labels)
			};
		});
	});
}

function correctionSection(
	byCp: Map<string, OutputRow>[],
	checkpoints: readonly string[]
): CorrectionRow[] {
	return checkpoints.map((checkpoint, k) => {
		const distance: number[] = [];
		const normalized: number[] = [];
		let outputs = 0;
		for (const o of byCp[k]!.values()) {
			if (!o.corrected?.length) continue;
			outputs++;
			for (const c of o.corrected) {
				const e = wordEditDistance(o.text, c.text);
				distance.push(e.distance);
				normalized.push(e.normalized);
			}
		}
		return {
			checkpoint,
			n: distance.length,
			outputs,
			distance: summarize(distance),
			normalized: summarize(normalized)
		};
	});
}

function timeSection(p: Prepared): TimeRow[] {
	const R = p.raters.length;
	const values: number[][] = p.checkpoints.map(() => []);
	for (let i = 0; i < p.items.length; i++) {
		const list = values[p.itemCheckpoint[i]!]!;
		for (let r = 0, cell = i * R; r < R; r++, cell++) {
			const s = p.seconds[cell]!;
			if (!Number.isNaN(s)) list.push(s);
		}
	}
	return p.checkpoints.map((checkpoint, k) => ({ checkpoint, seconds: summarize(values[k]!) }));
}

// ---------------------------------------------------------------------------------------------
// Entry points

function replicatesOf(config: { bootstrapReplicates?: number }): number {
	const b = config.bootstrapReplicates ?? 2000;
	if (!Number.isInteger(b) || b < 1) throw new RangeError('bootstrapReplicates must be ≥ 1');
	return b;
}

function maxPairsOf(config: { maxKappaPairs?: number }): number {
	const m = config.maxKappaPairs ?? Number.POSITIVE_INFINITY;
	if (!(m === Number.POSITIVE_INFINITY || (Number.isInteger(m) && m >= 0))) {
		throw new RangeError('maxKappaPairs must be a non-negative integer');
	}
	return m;
}

/**
 * The paper's tables for one unblinded study (see the types for each field):
 * - descriptives: per checkpoint × dimension, describe() of all ratings, counts per scale value
 *   and the mean with a seeded cluster-bootstrap 95% interval resampling cases;
 * - paired: Wilcoxon signed-rank tests per checkpoint pair × dimension on per-case scores
 *   (mean or median over raters), one-sided where `hypotheses` says so, Holm within each pair;
 * - friedman: per dimension over all checkpoints (complete cases), when there are ≥ 3;
 * - agreement: per dimension, Krippendorff's ordinal alpha with a bootstrap over items, ICC on
 *   the largest complete block, quadratic-weighted Cohen's kappa per rater pair sharing ≥ 5
 *   items, exact and within-one agreement, intra-rater agreement on repeated items;
 * - rouge, classification, correctionEffort, timePerItem: per checkpoint.
 * Throws RangeError on inconsistent input: scores off the scale, duplicate ratings, an item
 * under two cases or checkpoints, duplicate outputs, hypotheses naming unknown checkpoints.
 */
export function analyzeStudy(
	ratings: readonly RatingRow[],
	outputs: readonly OutputRow[],
	cases: readonly CaseRow[],
	config: AnalysisConfig,
	hooks?: AnalysisHooks
): StudyAnalysis {
	let mark = hooks?.now() ?? 0;
	const lap = (section: StudySection) => {
		if (!hooks) return;
		const now = hooks.now();
		hooks.onSection(section, now - mark);
		mark = now;
	};
	const replicates = replicatesOf(config);
	const maxKappaPairs = maxPairsOf(config);
	const aggregate = config.aggregate ?? 'mean';
	const hypotheses = config.hypotheses ?? [];
	const scale = config.scale ?? DEFAULT_SCALE;
	for (const h of hypotheses) {
		for (const name of [h.better, h.than]) {
			if (!config.checkpoints.includes(name)) {
				throw new RangeError(`hypothesis names unknown checkpoint '${name}'`);
			}
		}
		if (h.better === h.than) throw new RangeError(`hypothesis compares ${h.better} with itself`);
	}
	const dimensionKeys = config.dimensions.map((d) => d.key);
	const p = prepare(ratings, dimensionKeys, config.checkpoints, scale);
	const counts = cellCounts(p);
	lap('prepare');

	const descriptives = descriptivesSection(p, counts, config.seed, replicates);
	lap('descriptives');
	const perCase = caseScores(p, counts, aggregate);
	const paired = pairedSection(p, perCase, hypotheses);
	lap('paired');
	const friedmanRows = friedmanSection(p, perCase);
	lap('friedman');
	const agreementOpts = { seed: config.seed, replicates, maxKappaPairs };
	const agreement = agreementSection(p, agreementOpts);
	lap('agreement');

	const byCp = outputIndex(outputs, config.checkpoints);
	const rouge = rougeSection(byCp, config.checkpoints, cases, config.rouge);
	lap('rouge');
	const classification = classificationSection(
		byCp,
		config.checkpoints,
		cases,
		config.extraction ?? DEFAULT_EXTRACTION_RULES
	);
	lap('classification');
	const correctionEffort = correctionSection(byCp, config.checkpoints);
	lap('correctionEffort');
	const timePerItem = timeSection(p);
	lap('timePerItem');

	return {
		overview: {
			checkpoints: [...config.checkpoints],
			dimensions: config.dimensions.map((d) => ({ key: d.key, label: d.label })),
			scale: [...scale],
			aggregate,
			seed: config.seed,
			bootstrapReplicates: replicates,
			hypotheses: hypotheses.map((h) => ({ better: h.better, than: h.than })),
			ratings: p.ratings,
			repeatRatings: p.repeatRatings,
			unmatchedRepeats: p.unmatchedRepeats,
			raters: p.raters.length,
			cases: p.cases.length,
			items: p.items.length,
			ignored: { unknownCheckpoint: p.ignoredCheckpoint, unknownDimension: p.ignoredDimension }
		},
		descriptives,
		paired,
		friedman: friedmanRows,
		agreement,
		rouge,
		classification,
		correctionEffort,
		timePerItem
	};
}

export interface CheckpointFreeConfig {
	dimensions: { key: string; label: string }[];
	seed: string;
	bootstrapReplicates?: number;
	scale?: number[];
	maxKappaPairs?: number;
}

/**
 * What may be shown before unblinding: inter- and intra-rater agreement per dimension (the
 * `agreement` section of analyzeStudy), computed without checkpoint identity — items are pooled
 * whatever produced them, and nothing in the result is grouped or labelled by checkpoint. With the
 * same ratings, seed and options it equals analyzeStudy(...).agreement.
 */
export function checkpointFreeSummary(
	ratings: readonly Omit<RatingRow, 'checkpoint'>[],
	config: CheckpointFreeConfig
): { agreement: DimensionAgreement[] } {
	const p = prepare(
		ratings,
		config.dimensions.map((d) => d.key),
		null,
		config.scale ?? DEFAULT_SCALE
	);
	const opts = {
		seed: config.seed,
		replicates: replicatesOf(config),
		maxKappaPairs: maxPairsOf(config)
	};
	return { agreement: agreementSection(p, opts) };
}
