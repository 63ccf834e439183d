export type AlphaLevel = 'nominal' | 'ordinal' | 'interval';

/**
 * Krippendorff's alpha reliability for any number of raters with missing ratings
 * (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability", coincidence-matrix form):
 *
 *   o_ck = Σᵤ (number of ordered pairs (c, k) of values in unit u) / (mᵤ − 1),
 *   n_c = Σₖ o_ck,  n = Σ_c n_c,
 *   α = 1 − (n − 1)·Σ_ck o_ck·δ²_ck / Σ_ck n_c·n_k·δ²_ck,
 *
 * over units with mᵤ ≥ 2 ratings (units rated once are unpairable and ignored). Difference
 * functions δ²: nominal [c ≠ k]; interval (c − k)²; ordinal (Σ_{g from c to k} n_g − (n_c + n_k)/2)².
 *
 * `ratings`: rows are raters, columns items, null a missing rating. `domain` lists the scale's
 * values in order (default: the observed values, ascending); a rating outside it throws. A value
 * nobody used has n_g = 0, so it leaves α unchanged at every level — the domain fixes the order
 * and guards against typos. NaN when fewer than two pairable values exist or when all pairable
 * values are equal (expected disagreement 0: α is undefined, Krippendorff 2011 §A).
 *
 * Validated against Krippendorff's (2011) published examples (e.g. the 4-observer nominal data
 * with missing values: α = 0.743) and against an independent pairwise-disagreement formulation
 * in the unit test; Debian's R has no package for alpha.
 */
export function krippendorffAlpha(
	ratings: readonly (readonly (number | null)[])[],
	level: AlphaLevel,
	domain?: readonly number[]
): number {
	const units = ratings[0]?.length ?? 0;
	if (ratings.some((row) => row.length !== units)) {
		throw new RangeError('krippendorffAlpha: ragged rows');
	}
	const nonFinite = () =>
		new RangeError('krippendorffAlpha: ratings must be finite numbers or null');
	let values: number[];
	if (domain) values = [...domain];
	else {
		const seen = new Set<number>();
		for (const row of ratings) {
			for (const v of row) {
				if (v === null || v === undefined) continue;
				if (!Number.isFinite(v)) throw nonFinite();
				seen.add(v);
			}
		}
		values = [...seen].sort((a, b) => a - b);
	}
	const index = new Map(values.map((v, i) => [v, i]));
	if (index.size !== values.length) throw new RangeError('krippendorffAlpha: duplicate domain');
	const V = values.length;
	const o = Array.from({ length: V }, () => new Array<number>(V).fill(0));
	const counts = new Array<number>(V);
	for (let u = 0; u < units; u++) {
		counts.fill(0);
		let m = 0;
		for (const row of ratings) {
			const v = row[u];
			if (v === null || v === undefined) continue;
			const c = index.get(v);
			if (c === undefined || !Number.isFinite(v)) {
				// A non-finite rating anywhere is reported before an out-of-domain one.
				if (
					ratings.some((r) => r.some((x) => x !== null && x !== undefined && !Number.isFinite(x)))
				)
					throw nonFinite();
				throw new RangeError(`krippendorffAlpha: ${v} is not in the domain`);
			}
			counts[c]! += 1;
			m++;
		}
		if (m < 2) continue;
		for (let c = 0; c < V; c++) {
			if (counts[c] === 0) continue;
			for (let k = 0; k < V; k++) {
				const pairs = counts[c]! * (counts[k]! - (c === k ? 1 : 0));
				if (pairs > 0) o[c]![k]! += pairs / (m - 1);
			}
		}
	}
	const nc = o.map((row) => row.reduce((s, x) => s + x, 0));
	const n = nc.reduce((s, x) => s + x, 0);
	if (n < 2) return Number.NaN;

	// Cumulative marginals make the ordinal Σ_{g=c..k} n_g an O(1) difference.
	const cumulative = [0];
	for (const x of nc) cumulative.push(cumulative[cumulative.length - 1]! + x);
	const delta = (c: number, k: number): number => {
		if (level === 'nominal') return c === k ? 0 : 1;
		if (level === 'interval') return (values[c]! - values[k]!) ** 2;
		const lo = Math.min(c, k);
		const hi = Math.max(c, k);
		const between = cumulative[hi + 1]! - cumulative[lo]! - (nc[c]! + nc[k]!) / 2;
		return between * between;
	};
	let disagreementObserved = 0;
	let disagreementExpected = 0;
	for (let c = 0; c < V; c++) {
		for (let k = 0; k < V; k++) {
			if (c === k) continue;
			const d = delta(c, k);
			disagreementObserved += o[c]![k]! * d;
			disagreementExpected += nc[c]! * nc[k]! * d;
		}
	}
	if (disagreementExpected === 0) return Number.NaN;
	return 1 - ((n - 1) * disagreementObserved) / disagreementExpected;
}
