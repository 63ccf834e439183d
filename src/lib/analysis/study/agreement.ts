// Over 300 lines: one section of the study analysis, every agreement statistic of it.
/**
 * Inter- and intra-rater agreement per dimension for the study analysis: Krippendorff's ordinal
 * alpha with a bootstrap over items, ICC on the largest complete block, pairwise weighted kappa,
 * exact and within-one agreement, and agreement of repeated items. Needs no checkpoint identity,
 * so it also serves the summary shown before unblinding.
 */

import { seededRng, shuffle } from '../../domain/random';
import {
	itemCoincidences,
	ordinalAlphaFromCoincidences,
	percentAgreement,
	popcount,
	type PercentAgreement
} from '../agreement-counts';
import { largestCompleteBlock } from '../complete-block';
import { icc, type IccEstimate, type IccForm } from '../icc';
import { cohenKappa } from '../kappa';
import { krippendorffAlpha } from '../krippendorff';
import type { Prepared, RepeatPair } from './prepare';
import {
	finite,
	jointBootstrap,
	summarize,
	toInterval,
	type Interval,
	type Summary
} from './summary';

export type { PercentAgreement };

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

const MIN_SHARED_ITEMS = 5;

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

export interface AgreementOptions {
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
export function agreementSection(p: Prepared, opts: AgreementOptions): DimensionAgreement[] {
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
