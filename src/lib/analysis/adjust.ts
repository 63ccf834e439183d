export type AdjustMethod = 'holm' | 'BH';

/**
 * Multiplicity-adjusted p-values in the input order, as R's p.adjust:
 * - 'holm' (Holm 1979): with p₍₁₎ ≤ … ≤ p₍ₘ₎, p̃₍ᵢ₎ = min(1, maxⱼ≤ᵢ (m − j + 1)·p₍ⱼ₎).
 * - 'BH' (Benjamini & Hochberg 1995, FDR): p̃₍ᵢ₎ = min(1, minⱼ≥ᵢ (m/j)·p₍ⱼ₎).
 * NaN entries (R's NA) stay NaN and do not count in m, as p.adjust's default n = length of the
 * non-missing p. Tied p-values get equal adjusted values whatever their order. Products are
 * formed as R forms them ((m − i + 1)·p and (m/i)·p), so results match R to the last bit.
 * Validated against R 4.2.2 p.adjust.
 */
export function adjustPValues(p: readonly number[], method: AdjustMethod): number[] {
	if (p.some((v) => !Number.isNaN(v) && !(v >= 0 && v <= 1))) {
		throw new RangeError('adjustPValues: p-values must lie in [0, 1] (or be NaN)');
	}
	const present = p.map((v, i) => ({ v, i })).filter((e) => !Number.isNaN(e.v));
	const m = present.length;
	const out = p.map(() => Number.NaN);
	if (method === 'holm') {
		present.sort((a, b) => a.v - b.v);
		let running = 0;
		present.forEach((e, idx) => {
			running = Math.max(running, (m - idx) * e.v);
			out[e.i] = Math.min(1, running);
		});
	} else {
		present.sort((a, b) => b.v - a.v);
		let running = Number.POSITIVE_INFINITY;
		present.forEach((e, idx) => {
			const rank = m - idx;
			running = Math.min(running, (m / rank) * e.v);
			out[e.i] = Math.min(1, running);
		});
	}
	return out;
}
