/**
 * Comparisons of checkpoints on per-case scores: Wilcoxon signed-rank tests per pair of
 * checkpoints × dimension with Holm adjustment within each pair, and Friedman tests over all
 * checkpoints.
 */

import { adjustPValues } from '../adjust';
import { describe } from '../descriptive';
import { friedman } from '../friedman';
import { expand, type Prepared } from './prepare';
import { finite } from './summary';
import {
	averageRanks,
	signedRankFigures,
	type Alternative,
	type SignedRankFigures
} from '../wilcoxon';

export type ScoreAggregate = 'mean' | 'median';

export interface Hypothesis {
	better: string;
	than: string;
}

/** Per-case scores compared on one dimension; `pHolm` is over the dimensions of the pair. */
export interface PairedTest extends SignedRankFigures {
	dimension: string;
	/** For x = the pair's `a`, y = its `b`. */
	alternative: Alternative;
	/** The checkpoint with the larger ranks (sign of r); null when r = 0 or untested. */
	higher: string | null;
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

/** Per dimension, per (k, c) at k·C + c: the case's score over raters, NaN when unrated. */
export function caseScores(
	p: Prepared,
	counts: Int32Array[],
	aggregate: ScoreAggregate
): Float64Array[] {
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

/** The alternative for x = a, y = b that the hypotheses state; two-sided when none names the pair. */
export function alternativeFor(
	hypotheses: readonly Hypothesis[],
	a: string,
	b: string
): Alternative {
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
export function pairedSection(
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
				const figures = signedRankFigures(
					x,
					y,
					alternative,
					'no case rated under both checkpoints'
				);
				const r = figures.effectSize;
				return {
					dimension,
					alternative,
					...figures,
					higher: r !== null && r > 0 ? a : r !== null && r < 0 ? b : null
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

export function friedmanSection(p: Prepared, scores: Float64Array[]): FriedmanRow[] {
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
