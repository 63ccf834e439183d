import { fQuantile, fUpper } from './distributions';

export type IccForm = 'ICC1' | 'ICC2' | 'ICC3' | 'ICC1k' | 'ICC2k' | 'ICC3k';

export interface IccEstimate {
	value: number;
	F: number;
	df1: number;
	df2: number;
	pValue: number;
	/** 95% confidence bounds, by the formulas psych::ICC uses (Shrout & Fleiss 1979). */
	lower: number;
	upper: number;
}

/** (F − 1)/(F + k − 1), taking its limit 1 when F is infinite (zero error mean square). */
function boundFromF(f: number, k: number): number {
	return f === Number.POSITIVE_INFINITY ? 1 : (f - 1) / (f + k - 1);
}

/**
 * The six intraclass correlations of Shrout & Fleiss (1979), as psych::ICC (McGraw & Wong 1996
 * names in brackets), for a complete items × raters matrix (rows = items/targets, columns =
 * raters/judges), from the two-way ANOVA mean squares: MSB (items, df n − 1), MSJ (raters,
 * df k − 1), MSE (residual, df (n − 1)(k − 1)) and MSW = (SSJ + SSE)/(n(k − 1)).
 *
 * - ICC1  = (MSB − MSW)/(MSB + (k − 1)·MSW)                    one-way random, single rater
 * - ICC2  = (MSB − MSE)/(MSB + (k − 1)·MSE + k·(MSJ − MSE)/n)  two-way random, absolute agreement
 * - ICC3  = (MSB − MSE)/(MSB + (k − 1)·MSE)                    two-way mixed, consistency
 * - ICC1k = (MSB − MSW)/MSB, ICC2k = (MSB − MSE)/(MSB + (MSJ − MSE)/n), ICC3k = (MSB − MSE)/MSB
 *   (the reliability of the mean of k raters).
 * F = MSB/MSW (ICC1, ICC1k; df n − 1, n(k − 1)) or MSB/MSE (the others; df n − 1,
 * (n − 1)(k − 1)), p = P(F' > F). 95% bounds: F-based for ICC1/ICC3 forms; for ICC2 the
 * Satterthwaite-type approximation of Shrout & Fleiss (1979, eq. 13) with df v, exactly as
 * psych::ICC writes them (it uses qf(0.975, ·)).
 *
 * Where the residual mean square is exactly zero (raters agree perfectly, or differ by a constant)
 * F is +∞ and p is 0; the bounds then take their limits (1, and v → k − 1 for ICC2) instead of
 * the NaN that ∞/∞ would give — psych shows the same limits, reached through rounding noise in
 * aov(). Validated against psych 2.2.9 ICC(x, lmer = FALSE); psych's default lmer = TRUE
 * estimates the same mean squares by REML and agrees when no variance component is negative.
 */
export function icc(ratings: readonly (readonly number[])[]): Record<IccForm, IccEstimate> {
	const n = ratings.length;
	if (n < 2) throw new RangeError('icc: need at least two items');
	const k = ratings[0]!.length;
	if (k < 2) throw new RangeError('icc: need at least two raters');
	if (ratings.some((row) => row.length !== k)) throw new RangeError('icc: ragged rows');
	if (ratings.some((row) => row.some((v) => !Number.isFinite(v)))) {
		throw new RangeError('icc: every rating must be a finite number (no missing values)');
	}
	const rowMeans = ratings.map((row) => row.reduce((s, v) => s + v, 0) / k);
	const colMeans = Array.from({ length: k }, (_, j) => {
		let s = 0;
		for (const row of ratings) s += row[j]!;
		return s / n;
	});
	const grand = rowMeans.reduce((s, v) => s + v, 0) / n;
	let ssb = 0;
	for (const m of rowMeans) ssb += (m - grand) ** 2;
	ssb *= k;
	let ssj = 0;
	for (const m of colMeans) ssj += (m - grand) ** 2;
	ssj *= n;
	// Residuals formed directly rather than as SST − SSB − SSJ, which would cancel.
	let sse = 0;
	ratings.forEach((row, i) =>
		row.forEach((v, j) => (sse += (v - rowMeans[i]! - colMeans[j]! + grand) ** 2))
	);
	const dfB = n - 1;
	const dfJ = k - 1;
	const dfE = (n - 1) * (k - 1);
	const msb = ssb / dfB;
	const msj = ssj / dfJ;
	const mse = sse / dfE;
	const msw = (ssj + sse) / (n * (k - 1));

	const icc1 = (msb - msw) / (msb + (k - 1) * msw);
	const icc2 = (msb - mse) / (msb + (k - 1) * mse + (k * (msj - mse)) / n);
	const icc3 = (msb - mse) / (msb + (k - 1) * mse);
	const icc1k = (msb - msw) / msb;
	const icc2k = (msb - mse) / (msb + (msj - mse) / n);
	const icc3k = (msb - mse) / msb;

	const f1 = msb / msw;
	const df1d = n * (k - 1);
	const p1 = fUpper(f1, dfB, df1d);
	const f2 = msb / mse;
	const p2 = fUpper(f2, dfB, dfE);

	const f1Lower = f1 / fQuantile(0.975, dfB, df1d);
	const f1Upper = f1 * fQuantile(0.975, df1d, dfB);
	const f3Lower = f2 / fQuantile(0.975, dfB, dfE);
	const f3Upper = f2 * fQuantile(0.975, dfE, dfB);

	// Shrout & Fleiss's v with numerator and denominator multiplied by MSE², so that MSE = 0
	// (Fj = MSJ/MSE infinite) gives its limit k − 1 instead of ∞/∞.
	const c = n * (1 + (k - 1) * icc2) - k * icc2;
	const vn = (k - 1) * (n - 1) * (k * icc2 * msj + mse * c) ** 2;
	const vd = (n - 1) * k * k * icc2 * icc2 * msj * msj + (mse * c) ** 2;
	const v = vn / vd;
	let l2: number;
	let u2: number;
	if (mse === 0 && msj === 0) {
		// Perfect agreement: both bounds are n·MSB/(n·MSB) = 1 whatever v is.
		l2 = 1;
		u2 = 1;
	} else {
		const fu = fQuantile(0.975, n - 1, v);
		const fl = fQuantile(0.975, v, n - 1);
		const denominatorTerm = k * msj + (k * n - k - n) * mse;
		l2 = (n * (msb - fu * mse)) / (fu * denominatorTerm + n * msb);
		u2 = (n * (fl * msb - mse)) / (denominatorTerm + n * fl * msb);
	}

	const single = (value: number, F: number, d2: number, p: number, lower: number, upper: number) =>
		({ value, F, df1: dfB, df2: d2, pValue: p, lower, upper }) satisfies IccEstimate;
	return {
		ICC1: single(icc1, f1, df1d, p1, boundFromF(f1Lower, k), boundFromF(f1Upper, k)),
		ICC2: single(icc2, f2, dfE, p2, l2, u2),
		ICC3: single(icc3, f2, dfE, p2, boundFromF(f3Lower, k), boundFromF(f3Upper, k)),
		ICC1k: single(icc1k, f1, df1d, p1, 1 - 1 / f1Lower, 1 - 1 / f1Upper),
		ICC2k: single(icc2k, f2, dfE, p2, (l2 * k) / (1 + l2 * (k - 1)), (u2 * k) / (1 + u2 * (k - 1))),
		ICC3k: single(icc3k, f2, dfE, p2, 1 - 1 / f3Lower, 1 - 1 / f3Upper)
	};
}
