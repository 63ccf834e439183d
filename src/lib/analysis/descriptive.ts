import { mean, median, sampleStandardDeviation, sampleVariance } from 'simple-statistics';

/** A number, or null for NaN, ±Infinity, null and undefined (JSON has no NaN). */
export const finite = (x: number | null | undefined): number | null =>
	x !== null && x !== undefined && Number.isFinite(x) ? x : null;

export interface ScoreRow {
	group: string;
	dimension: string;
	score: number;
}

export interface CellSummary {
	group: string;
	dimension: string;
	n: number;
	mean: number;
	/** Sample SD (n − 1 denominator); null when n < 2. */
	sd: number | null;
}

/**
 * Mean and sample SD of scores per group (checkpoint) and dimension, in the order groups and
 * dimensions are given. Cells without scores are reported with n = 0 and mean NaN.
 */
export function summarizeByGroup(
	rows: readonly ScoreRow[],
	groups: readonly string[],
	dimensions: readonly string[]
): CellSummary[] {
	const cells = new Map<string, number[]>();
	for (const r of rows) {
		const key = `${r.group}\u0000${r.dimension}`;
		const list = cells.get(key);
		if (list) list.push(r.score);
		else cells.set(key, [r.score]);
	}
	return groups.flatMap((group) =>
		dimensions.map((dimension) => {
			const xs = cells.get(`${group}\u0000${dimension}`) ?? [];
			return {
				group,
				dimension,
				n: xs.length,
				mean: xs.length ? mean(xs) : Number.NaN,
				sd: xs.length > 1 ? sampleStandardDeviation(xs) : null
			};
		})
	);
}

/**
 * Quantile of an ascending-sorted sample by R's default, type 7 (Hyndman & Fan 1996, def. 7):
 * h = (n − 1)·p, Q(p) = x₍⌊h⌋₊₁₎ + (h − ⌊h⌋)·(x₍⌊h⌋₊₂₎ − x₍⌊h⌋₊₁₎), written as R's
 * quantile.default evaluates it ((1 − γ)·x_lo + γ·x_hi, and x_lo itself when x_hi equals it),
 * so results match R to the last bit. NaN for an empty sample.
 */
export function quantileSorted(sorted: readonly number[], p: number): number {
	const n = sorted.length;
	if (n === 0 || !(p >= 0 && p <= 1)) return Number.NaN;
	const index = 1 + (n - 1) * p;
	const lo = Math.floor(index);
	const hi = Math.ceil(index);
	const xLo = sorted[lo - 1]!;
	const xHi = sorted[hi - 1]!;
	if (index > lo && xHi !== xLo) {
		const h = index - lo;
		return (1 - h) * xLo + h * xHi;
	}
	return xLo;
}

export interface Description {
	n: number;
	/** NaN when n = 0. */
	mean: number;
	/** Sample SD (n − 1 denominator); null when n < 2. */
	sd: number | null;
	/** Sample variance (n − 1 denominator); null when n < 2. */
	variance: number | null;
	/** NaN when n = 0, as are q1, q3 and iqr. */
	median: number;
	q1: number;
	q3: number;
	iqr: number;
}

/**
 * n, mean, sample SD and variance (n − 1), median, quartiles and IQR of one sample, with the
 * quartiles by R's type 7 (R's quantile() and IQR() defaults), so tables match what a
 * statistician gets from R. Empty input gives n 0, NaN location/spread and null SD/variance (as
 * summarizeByGroup does); a non-finite value throws rather than turning every figure into NaN.
 * Validated against R 4.2 mean, sd, var, median, quantile(type = 7), IQR.
 */
export function describe(x: readonly number[]): Description {
	if (x.some((v) => !Number.isFinite(v))) {
		throw new RangeError('describe: every value must be a finite number');
	}
	const n = x.length;
	if (n === 0) {
		const nan = Number.NaN;
		return { n, mean: nan, sd: null, variance: null, median: nan, q1: nan, q3: nan, iqr: nan };
	}
	const sorted = x.slice().sort((a, b) => a - b);
	const q1 = quantileSorted(sorted, 0.25);
	const q3 = quantileSorted(sorted, 0.75);
	return {
		n,
		mean: mean(x),
		sd: n > 1 ? sampleStandardDeviation(x) : null,
		variance: n > 1 ? sampleVariance(x) : null,
		median: median(sorted),
		q1,
		q3,
		iqr: q3 - q1
	};
}
