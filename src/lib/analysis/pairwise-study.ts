/**
 * Analysis of a pairwise round: raters saw two letters of one case (left and right, produced by
 * two checkpoints) and picked the better one per dimension, or a tie. Uses the validated
 * wilsonInterval, signTest and bradleyTerry of pairwise.ts; every number in the result is finite
 * or null, so it survives JSON.
 */

import type { PairwiseChoice } from '../domain/enums';
import { bradleyTerry, signTest, wilsonInterval, type PairwiseComparison } from './pairwise';

export interface PairwiseJudgement {
	rater: string;
	caseId: string;
	/** Checkpoint shown on the left. */
	left: string;
	/** Checkpoint shown on the right. */
	right: string;
	dimension: string;
	winner: PairwiseChoice;
}

export interface PairwiseCell {
	/** Checkpoints in config order: counts are from a's side. */
	a: string;
	b: string;
	dimension: string;
	wins: number;
	ties: number;
	losses: number;
	/** wins / (wins + losses), ties excluded, with a Wilson 95% interval; estimate null if none. */
	winRate: { estimate: number | null; lower: number; upper: number };
	/** Exact two-sided sign test of P(a wins) = ½, ties excluded (R's binom.test). */
	pValue: number;
}

export interface BradleyTerryRow {
	dimension: string;
	comparisons: number;
	/** π per checkpoint, Σπ = 1; null for a checkpoint without comparisons in this dimension. */
	strengths: { checkpoint: string; strength: number | null }[];
	converged: boolean;
	/** False when some checkpoint never won (or tied) against a group: estimates hit 0 or ∞. */
	identifiable: boolean;
	iterations: number;
}

export interface PairwiseAnalysis {
	checkpoints: string[];
	dimensions: string[];
	/** Every pair of checkpoints (config order) × dimension. */
	pairs: PairwiseCell[];
	/** Per dimension, only when there are more than two checkpoints. */
	bradleyTerry: BradleyTerryRow[];
	/** Judgements left out: unknown checkpoint or dimension, or a checkpoint against itself. */
	ignored: number;
}

/**
 * Wins, ties and losses for every pair of checkpoints × dimension, the win rate with ties
 * excluded and its Wilson score interval (Wilson 1927), and the exact two-sided sign test; with
 * more than two checkpoints also Bradley–Terry strengths per dimension (Hunter's MM algorithm,
 * ties as half a win to each side). Left/right position only decides which checkpoint won: the
 * counts are pooled over both presentation orders.
 */
export function analyzePairwise(
	judgements: readonly PairwiseJudgement[],
	checkpoints: readonly string[],
	dimensions: readonly string[]
): PairwiseAnalysis {
	const cpIndex = new Map(checkpoints.map((c, k) => [c, k]));
	const dimIndex = new Map(dimensions.map((d, i) => [d, i]));
	if (cpIndex.size !== checkpoints.length) throw new RangeError('duplicate checkpoint');
	if (dimIndex.size !== dimensions.length) throw new RangeError('duplicate dimension');
	const K = checkpoints.length;
	// beat[d][i·K + j]: judgements in which checkpoint i beat j, whichever side each was shown on;
	// ties[d][i·K + j] with i < j: ties of the unordered pair.
	const beat = dimensions.map(() => new Array<number>(K * K).fill(0));
	const ties = dimensions.map(() => new Array<number>(K * K).fill(0));
	const comparisons: PairwiseComparison[][] = dimensions.map(() => []);
	let ignored = 0;
	for (const j of judgements) {
		const d = dimIndex.get(j.dimension);
		const l = cpIndex.get(j.left);
		const r = cpIndex.get(j.right);
		if (d === undefined || l === undefined || r === undefined || l === r) {
			ignored++;
			continue;
		}
		if (j.winner === 'tie') ties[d]![Math.min(l, r) * K + Math.max(l, r)]!++;
		else if (j.winner === 'left') beat[d]![l * K + r]!++;
		else if (j.winner === 'right') beat[d]![r * K + l]!++;
		else throw new RangeError(`unknown winner '${String(j.winner)}'`);
		comparisons[d]!.push({
			a: j.left,
			b: j.right,
			winner: j.winner === 'left' ? 'a' : j.winner === 'right' ? 'b' : 'tie'
		});
	}

	const pairs: PairwiseCell[] = [];
	for (let a = 0; a < K; a++) {
		for (let b = a + 1; b < K; b++) {
			dimensions.forEach((dimension, d) => {
				const wins = beat[d]![a * K + b]!;
				const losses = beat[d]![b * K + a]!;
				const w = wilsonInterval(wins, wins + losses);
				pairs.push({
					a: checkpoints[a]!,
					b: checkpoints[b]!,
					dimension,
					wins,
					ties: ties[d]![a * K + b]!,
					losses,
					winRate: {
						estimate: Number.isFinite(w.estimate) ? w.estimate : null,
						lower: w.lower,
						upper: w.upper
					},
					pValue: signTest(wins, losses)
				});
			});
		}
	}

	const bt =
		K <= 2
			? []
			: dimensions.map((dimension, d): BradleyTerryRow => {
					const fit = bradleyTerry(comparisons[d]!);
					return {
						dimension,
						comparisons: comparisons[d]!.length,
						strengths: checkpoints.map((checkpoint) => {
							const s = fit.strengths[checkpoint];
							return { checkpoint, strength: s !== undefined && Number.isFinite(s) ? s : null };
						}),
						converged: fit.converged,
						identifiable: fit.identifiable,
						iterations: fit.iterations
					};
				});

	return {
		checkpoints: [...checkpoints],
		dimensions: [...dimensions],
		pairs,
		bradleyTerry: bt,
		ignored
	};
}
