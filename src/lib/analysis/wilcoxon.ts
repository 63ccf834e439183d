import { describe, finite } from './descriptive';
import { normalCdf, normalUpper } from './distributions';

/**
 * Average ranks (1-based; tied values share the mean of the ranks they span) and the sizes of
 * the tie groups, as R's rank(ties.method = 'average') and SciPy's rankdata.
 */
export function averageRanks(values: readonly number[]): { ranks: number[]; tieSizes: number[] } {
	const order = values.map((_, i) => i).sort((i, j) => values[i]! - values[j]!);
	const ranks = new Array<number>(values.length);
	const tieSizes: number[] = [];
	for (let start = 0; start < order.length;) {
		let end = start + 1;
		while (end < order.length && values[order[end]!] === values[order[start]!]) end++;
		// Positions start..end−1 hold ranks start+1..end; their mean is (start + 1 + end) / 2.
		const rank = (start + 1 + end) / 2;
		for (let i = start; i < end; i++) ranks[order[i]!] = rank;
		tieSizes.push(end - start);
		start = end;
	}
	return { ranks, tieSizes };
}

export type Alternative = 'two-sided' | 'greater' | 'less';

export interface WilcoxonOptions {
	/** 'greater': x tends to be larger than y. Default 'two-sided'. */
	alternative?: Alternative;
	/** 'wilcox' (default, R): drop zero differences. 'pratt': rank them, then drop them. */
	zeroMethod?: 'wilcox' | 'pratt';
	/** Continuity correction of the normal approximation. Default true (R). */
	correction?: boolean;
	/** 'auto' (default, R): exact when n < 50 and there are no ties and no zeros. */
	method?: 'auto' | 'exact' | 'approx';
}

export interface WilcoxonResult {
	/** V: the sum of the ranks of the positive differences x − y (R's statistic). */
	statistic: number;
	/** NaN when every difference is zero (no information; R reports NA). */
	pValue: number;
	/** The normal deviate used for the p-value; null for the exact test. */
	z: number | null;
	/** Differences ranked: the non-zero ones ('wilcox') or all of them ('pratt'). */
	n: number;
	method: 'exact' | 'approx';
	/** Matched-pairs rank-biserial correlation (R⁺ − R⁻) / ΣR over the ranked differences. */
	effectSize: number;
}

/**
 * A paired signed-rank comparison as the study analysis reports it (scores per dimension in
 * study/comparisons.ts, automatic metrics in metric-tests.ts): x is the first checkpoint of the
 * pair, y the second; every figure is null when nothing could be tested (see `note` there).
 */
export interface SignedRankFigures {
	/** Cases with a value under both checkpoints. */
	n: number;
	/** Non-zero differences the test ranked. */
	ranked: number;
	/** V, the sum of the ranks of the positive differences x − y. */
	statistic: number | null;
	z: number | null;
	method: 'exact' | 'approx' | null;
	pValue: number | null;
	/** Holm-adjusted within the comparison's family. */
	pHolm: number | null;
	/** Matched-pairs rank-biserial r = (R⁺ − R⁻)/ΣR; positive when x is higher. */
	effectSize: number | null;
	medianDifference: number | null;
	meanDifference: number | null;
	note: string | null;
}

/**
 * Null distribution of V for n untied, non-zero differences: P(V = v) for v = 0 … n(n+1)/2, by
 * the recurrence P_k(v) = ½·(P_{k−1}(v) + P_{k−1}(v − k)) (each rank k is positive with
 * probability ½). Every entry is a count / 2^k, exact in binary floating point while the counts
 * stay below 2^53 (n ≤ 52), and accurate to rounding beyond.
 */
function signedRankDistribution(n: number): Float64Array {
	const max = (n * (n + 1)) / 2;
	const p = new Float64Array(max + 1);
	p[0] = 1;
	for (let k = 1; k <= n; k++) {
		const top = (k * (k + 1)) / 2;
		for (let v = top; v >= 0; v--) p[v] = 0.5 * (p[v]! + (v >= k ? p[v - k]! : 0));
	}
	return p;
}

/** P(V ≤ v) and P(V ≥ v) from the exact null distribution. */
function exactTails(n: number, v: number): { lower: number; upper: number } {
	const p = signedRankDistribution(n);
	let lower = 0;
	let upper = 0;
	for (let i = 0; i < p.length; i++) {
		if (i <= v) lower += p[i]!;
		if (i >= v) upper += p[i]!;
	}
	return { lower: Math.min(1, lower), upper: Math.min(1, upper) };
}

/**
 * Wilcoxon signed-rank test for paired samples, as R's wilcox.test(x, y, paired = TRUE).
 *
 * V = Σ rank(|dᵢ|)·[dᵢ > 0] with dᵢ = xᵢ − yᵢ and average ranks for ties.
 * - Exact (method 'exact', or 'auto' with n < 50): P-values from the exact null distribution of
 *   V. Two-sided: 2·P(V ≥ v) if v > n(n+1)/4 else 2·P(V ≤ v), capped at 1 (R). With ties or
 *   zeros the exact distribution does not apply, so — like R, which warns "cannot compute exact
 *   p-value with ties/zeroes" — the normal approximation is used even when 'exact' is asked for;
 *   `method` in the result says which was used.
 * - Normal approximation: E(V) = ΣRᵢ/2 and Var(V) = ΣRᵢ²/4 over the ranked non-zero differences,
 *   which equal R's n(n+1)/4 and n(n+1)(2n+1)/24 − Σ(t³ − t)/48 (tie correction) for 'wilcox',
 *   and SciPy's Cureton-adjusted moments for 'pratt'. z = (V − E(V) − c)/√Var(V), with the
 *   continuity correction c = ±½ toward zero (two-sided: sign(V − E(V))·½; 'greater': ½;
 *   'less': −½) as in R.
 * - zeroMethod 'pratt' (Pratt 1959): zeros take part in the ranking and are then dropped; base R
 *   has no Pratt option, so it follows SciPy's wilcoxon(zero_method='pratt'), whose p-values
 *   coin::wilcoxsign_test(zero.method = 'Pratt') reproduces without the continuity correction.
 * - effectSize: matched-pairs rank-biserial correlation r = (R⁺ − R⁻)/ΣR (Kerby 2014), over the
 *   same ranks as the test (for 'pratt' the zeros' ranks count in ΣR); 0 when nothing is ranked.
 *
 * References: Hollander & Wolfe (1973) Nonparametric Statistical Methods, §3.1; Pratt (1959)
 * JASA 54:655–667; Cureton (1967) JASA 62:1068–1069. Validated against R 4.2.2 wilcox.test and
 * SciPy 1.10.1 wilcoxon (tests/fixtures/stats-reference.json).
 */
export function wilcoxonSignedRank(
	x: readonly number[],
	y: readonly number[],
	opts: WilcoxonOptions = {}
): WilcoxonResult {
	const { alternative = 'two-sided', zeroMethod = 'wilcox', correction = true } = opts;
	const requested = opts.method ?? 'auto';
	if (x.length !== y.length) throw new RangeError('wilcoxonSignedRank: x and y differ in length');
	if (x.length === 0) throw new RangeError('wilcoxonSignedRank: no pairs');
	const d = x.map((xi, i) => xi - y[i]!);
	if (d.some((v) => !Number.isFinite(v))) {
		throw new RangeError('wilcoxonSignedRank: every value must be a finite number');
	}
	const hasZero = d.some((v) => v === 0);
	const ranked = zeroMethod === 'wilcox' ? d.filter((v) => v !== 0) : d;
	const n = ranked.length;
	const { ranks, tieSizes } = averageRanks(ranked.map(Math.abs));
	const hasTies = tieSizes.some((t) => t > 1);

	let plus = 0;
	let minus = 0;
	let sumSquares = 0;
	ranked.forEach((v, i) => {
		const r = ranks[i]!;
		if (v > 0) plus += r;
		else if (v < 0) minus += r;
		if (v !== 0) sumSquares += r * r;
	});
	const totalRank = ranks.reduce((s, r) => s + r, 0);
	const effectSize = totalRank > 0 ? (plus - minus) / totalRank : 0;

	const exact = (requested === 'exact' || (requested === 'auto' && n < 50)) && !hasTies && !hasZero;
	if (exact) {
		const tails = exactTails(n, plus);
		let pValue: number;
		if (alternative === 'greater') pValue = tails.upper;
		else if (alternative === 'less') pValue = tails.lower;
		else pValue = Math.min(1, 2 * (plus > (n * (n + 1)) / 4 ? tails.upper : tails.lower));
		return { statistic: plus, pValue, z: null, n, method: 'exact', effectSize };
	}

	// Null moments of V given the ranks: each non-zero rank is positive with probability ½.
	const centred = plus - (plus + minus) / 2;
	const sigma = Math.sqrt(sumSquares / 4);
	let shift = 0;
	if (correction) {
		if (alternative === 'two-sided') shift = Math.sign(centred) * 0.5;
		else shift = alternative === 'greater' ? 0.5 : -0.5;
	}
	// With every difference zero, sigma is 0 and z is NaN or ±Infinity, as inside R.
	const z = (centred - shift) / sigma;
	let pValue: number;
	if (alternative === 'greater') pValue = normalUpper(z);
	else if (alternative === 'less') pValue = normalCdf(z);
	else pValue = 2 * Math.min(normalCdf(z), normalUpper(z));
	return { statistic: plus, pValue, z, n, method: 'approx', effectSize };
}

/**
 * The figures of one paired comparison (SignedRankFigures) on the pairs (xᵢ, yᵢ) with both values:
 * wilcoxonSignedRank(x, y, { alternative }) and the mean and median of x − y. Nothing to test
 * (no pair) gives null figures and `emptyNote`. All-zero differences give p = 1 (no evidence of
 * a difference; R reports NA) with a note, so the p-value stays in its Holm family. `pHolm` is
 * left null for the caller's family.
 */
export function signedRankFigures(
	x: readonly number[],
	y: readonly number[],
	alternative: Alternative,
	emptyNote: string
): SignedRankFigures {
	if (x.length === 0)
		return {
			n: 0,
			ranked: 0,
			statistic: null,
			z: null,
			method: null,
			pValue: null,
			pHolm: null,
			effectSize: null,
			medianDifference: null,
			meanDifference: null,
			note: emptyNote
		};
	const w = wilcoxonSignedRank(x, y, { alternative });
	const diff = describe(x.map((v, i) => v - y[i]!));
	const allZero = w.n === 0;
	return {
		n: x.length,
		ranked: w.n,
		statistic: w.statistic,
		z: allZero ? null : finite(w.z),
		method: w.method,
		pValue: allZero ? 1 : finite(w.pValue),
		pHolm: null,
		effectSize: w.effectSize,
		medianDifference: finite(diff.median),
		meanDifference: finite(diff.mean),
		note: allZero ? 'all differences are zero: p set to 1' : null
	};
}
