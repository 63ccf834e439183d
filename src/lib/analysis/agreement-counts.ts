/**
 * Agreement statistics of the library recomputed from category and coincidence counts, for the
 * places where the study analysis would otherwise call the library function thousands of times
 * (bootstrap replicates, large panels). Each must equal the library function it replaces; the
 * callers and the tests check that.
 */

import { exactAgreement, withinOneAgreement, type AgreementResult } from './agreement';
import { finite } from './study/summary';

export interface PercentAgreement {
	proportion: number | null;
	agreeing: number;
	pairs: number;
	items: number;
}

function toPercent(a: AgreementResult): PercentAgreement {
	return { proportion: finite(a.proportion), agreeing: a.agreeing, pairs: a.pairs, items: a.items };
}

/**
 * Ordinal alpha from a summed coincidence matrix o (V × V, row-major), with the same operations
 * in the same order as krippendorffAlpha, so that on the original items it reproduces that
 * function bit for bit (agreementSection checks this on every call). It exists because the bootstrap
 * needs alpha thousands of times: re-running krippendorffAlpha on a resampled raters × items
 * matrix costs O(raters · items) per replicate, while summing per-item coincidences costs
 * O(items · V²).
 */
export function ordinalAlphaFromCoincidences(o: Float64Array, V: number): number {
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
export function itemCoincidences(counts: readonly number[]): Float64Array | null {
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

/** Number of set bits of a 32-bit integer (Hacker's Delight, fig. 5-2). */
export function popcount(x: number): number {
	x -= (x >>> 1) & 0x55555555;
	x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
	x = (x + (x >>> 4)) & 0x0f0f0f0f;
	return Math.imul(x, 0x01010101) >>> 24;
}

/** agreementWithin(table, tolerance) from category counts; `rows` hold scale indices. */
export function agreementFromCounts(
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

/** Above this many raters, percent agreement is counted from category counts (see below). */
const PAIR_ENUMERATION_MAX_RATERS = 40;

/**
 * Exact and within-one pairwise agreement. exactAgreement/withinOneAgreement enumerate the rater
 * pairs of every item, O(raters²) per item (200 raters: 19,900 pairs × 1,000 items × 2 × 5
 * dimensions ≈ 0.2 billion comparisons). For large panels the same integers come from the
 * item's category counts n_c: pairs = Σ_{c ≤ c'} n_c·n_c' over categories within the tolerance
 * (n_c(n_c − 1)/2 when c = c'), which the tests check equal to the library on random designs.
 */
export function percentAgreement(
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
