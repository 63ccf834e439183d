/**
 * Per checkpoint × dimension: describe() of the ratings, counts per scale value, and the mean
 * with a cluster-bootstrap interval over cases (one resampling for every cell, seed
 * `${seed}/means`).
 */

import type { Prepared } from './prepare';
import { jointBootstrap, summarize, toInterval, type Interval, type Summary } from './summary';
import { expand } from './prepare';

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

export function descriptivesSection(
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
