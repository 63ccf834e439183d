/** Pairwise designs: comparisons of two outputs of one case, spread over raters, with balanced sides. */
import { byId, checkSpec, groupBy, indexKeys, range, uniqueIds } from './common';
import { allocateFor } from './allocation';
import { type Unit, countAdjacent, minMax, prefixDeviation, round6, sequences } from './order';
import type {
	DesignItem,
	DesignRater,
	PairwiseAssignment,
	PairwiseOptions,
	PairwiseReport
} from './types';
import { seededRng, shuffle, type Rng } from '../random';

interface Comparison {
	first: number;
	second: number;
	/** Checkpoint indices of first and second, lo < hi. */
	lo: number;
	hi: number;
}

/**
 * Builds a pairwise round: every two outputs of the same case from different checkpoints form a
 * comparison; comparisons are spread over raters like items in `buildDesign` (same allocation,
 * stratified by checkpoint pair, same case-apart orders).
 *
 * Sides: for each rater and pair of checkpoints A, B, A is on the left in half of their comparisons
 * (rounded either way); the odd ones left over form a simple graph whose orientation is chosen so
 * that every checkpoint is on the left as often as on the right, ±1, for that rater (an Euler-style
 * orientation, repaired by reversing directed paths), then improved by reversing paths and cycles
 * that lower the imbalance summed over the raters so far. Which comparison of a pair gets which
 * side is random.
 *
 * @throws Error when no case has outputs of two checkpoints, ids repeat, or the spec is invalid.
 */
export function pairwiseDesign(
	items: readonly DesignItem[],
	raters: readonly DesignRater[],
	opts: PairwiseOptions
): { comparisons: PairwiseAssignment[]; report: PairwiseReport } {
	uniqueIds(items, 'item');
	uniqueIds(raters, 'rater');
	const k = checkSpec(opts.spec ?? { type: 'fully-crossed' }, raters.length);
	const sortedItems = items.slice().sort(byId);
	const sortedRaters = raters.slice().sort(byId);
	const cps = indexKeys(sortedItems.map((i) => i.checkpointKey));
	const C = cps.count;

	const byCase = groupBy(range(sortedItems.length), (i) => sortedItems[i]!.caseKey);
	const comparisons: Comparison[] = [];
	for (const list of byCase.values()) {
		for (let x = 0; x < list.length; x++)
			for (let y = x + 1; y < list.length; y++) {
				const [i, j] = [list[x]!, list[y]!];
				const [ci, cj] = [cps.index[i]!, cps.index[j]!];
				if (ci === cj) continue;
				comparisons.push(
					ci < cj
						? { first: i, second: j, lo: ci, hi: cj }
						: { first: j, second: i, lo: cj, hi: ci }
				);
			}
	}
	if (!comparisons.length)
		throw new Error('No case has outputs of two different checkpoints to compare');

	const units: Unit[] = comparisons.map((c) => ({
		caseKey: sortedItems[c.first]!.caseKey,
		stratum: c.lo * C + c.hi
	}));
	// Renumber the checkpoint pairs that occur as 0..count − 1.
	const pairIds = [...new Set(units.map((u) => u.stratum))].sort((a, b) => a - b);
	const pairIndex = new Map(pairIds.map((p, i) => [p, i]));
	for (const u of units) u.stratum = pairIndex.get(u.stratum)!;

	const R = sortedRaters.length;
	const alloc = allocateFor(units, pairIds.length, R, k, seededRng(`${opts.seed}/assign`));
	const raterIds = sortedRaters.map((r) => r.id);
	const seqs = sequences(alloc.perRater, raterIds, units, { share: 0, gap: 1 }, opts.seed);

	const overall: SideTally = { vertex: new Int32Array(C), pair: new Int32Array(C * C) };
	let maxRater = 0;
	let maxRaterPair = 0;
	let adjacent = 0;
	let deviation = 0;
	const out: PairwiseAssignment[] = [];
	seqs.forEach(({ sequence }, r) => {
		const list = sequence.map((s) => comparisons[s.unit]!);
		const rng = seededRng(`${opts.seed}/sides/${raterIds[r]}`);
		const { loLeft, tally } = orientSides(list, C, overall, rng);
		for (let v = 0; v < C; v++) {
			maxRater = Math.max(maxRater, Math.abs(tally.vertex[v]!));
			overall.vertex[v]! += tally.vertex[v]!;
		}
		for (let p = 0; p < C * C; p++) {
			maxRaterPair = Math.max(maxRaterPair, Math.abs(tally.pair[p]!));
			overall.pair[p]! += tally.pair[p]!;
		}
		list.forEach((c, position) => {
			const [left, right] = loLeft[position] ? [c.first, c.second] : [c.second, c.first];
			out.push({
				raterId: raterIds[r]!,
				leftItemId: sortedItems[left]!.id,
				rightItemId: sortedItems[right]!.id,
				position
			});
		});
		adjacent += countAdjacent(sequence, units);
		deviation = Math.max(deviation, prefixDeviation(sequence.map((s) => units[s.unit]!.stratum)));
	});
	return {
		comparisons: out,
		report: {
			comparisons: comparisons.length,
			workload: minMax(alloc.perRater.map((l) => l.length)),
			pairOverlap: alloc.pairOverlap,
			positionBalance: { maxDeviation: round6(deviation) },
			adjacentSameCase: adjacent,
			leftRight: {
				maxRaterImbalance: maxRater,
				maxOverallImbalance: Math.max(0, ...overall.vertex.map(Math.abs)),
				maxRaterPairImbalance: maxRaterPair,
				maxOverallPairImbalance: Math.max(0, ...overall.pair.map(Math.abs))
			}
		}
	};
}

/** Left-minus-right counts: per checkpoint, and per pair lo·C + hi (lo left minus hi left). */
interface SideTally {
	vertex: Int32Array;
	pair: Int32Array;
}

/**
 * Chooses sides for one rater's comparisons (see `pairwiseDesign`). Works on the residual graph:
 * one edge lo–hi for each pair of checkpoints with an odd number of comparisons, dir +1 when lo
 * goes left.
 */
function orientSides(
	list: readonly Comparison[],
	C: number,
	overall: SideTally,
	rng: Rng
): { loLeft: boolean[]; tally: SideTally } {
	const byPair = groupBy(range(list.length), (i) => list[i]!.lo * C + list[i]!.hi);
	// dir[p]: +1 lo left, −1 hi left, for residual edges only.
	const dir = new Map<number, number>();
	for (const [p, idx] of byPair) {
		if (idx.length % 2 === 0) continue;
		const o = overall.pair[p]!;
		dir.set(p, o > 0 ? -1 : o < 0 ? 1 : rng() < 0.5 ? 1 : -1);
	}
	const bal = new Int32Array(C);
	for (const [p, d] of dir) {
		bal[Math.floor(p / C)]! += d;
		bal[p % C]! -= d;
	}

	const edge = (v: number, w: number): boolean => {
		if (v === w) return false;
		const d = v < w ? dir.get(v * C + w) : dir.get(w * C + v);
		return d !== undefined && d === (v < w ? 1 : -1);
	};
	/** Shortest directed path from s to t as vertices; a cycle through s when t === s. */
	const path = (s: number, t: number): number[] | null => {
		const from = new Int32Array(C).fill(-1);
		const queue = [s];
		for (let qi = 0; qi < queue.length; qi++) {
			const v = queue[qi]!;
			for (let w = 0; w < C; w++) {
				if (!edge(v, w)) continue;
				if (w === t) {
					const out = [t];
					for (let x = v; x !== s; x = from[x]!) out.unshift(x);
					return [s, ...out];
				}
				if (w === s || from[w] !== -1) continue;
				from[w] = v;
				queue.push(w);
			}
		}
		return null;
	};
	const reverse = (vs: readonly number[]) => {
		for (let i = 0; i + 1 < vs.length; i++) {
			const [v, w] = [vs[i]!, vs[i + 1]!];
			const p = v < w ? v * C + w : w * C + v;
			dir.set(p, -dir.get(p)!);
		}
		bal[vs[0]!]! -= vs[0] === vs.at(-1) ? 0 : 2;
		bal[vs.at(-1)!]! += vs[0] === vs.at(-1) ? 0 : 2;
	};

	// Repair to |bal| ≤ 1: from a vertex with surplus ≥ 2 a directed path reaches a deficit (the
	// vertices it reaches have no edge leaving them, so their balances sum to ≤ 0).
	for (let guard = 0; guard < C * C * 4; guard++) {
		const v = bal.findIndex((b) => Math.abs(b) >= 2);
		if (v < 0) break;
		const [s, t] =
			bal[v]! > 0
				? [v, range(C).find((w) => bal[w]! < 0 && path(v, w))!]
				: [range(C).find((w) => bal[w]! > 0 && path(w, v))!, v];
		reverse(path(s, t)!);
	}

	// Improve the running totals: reverse a path (surplus → deficit) or cycle when that lowers
	// Σ_v |overall_v + bal_v| + Σ_p |overall_p + dir_p|.
	const cost = (): number => {
		let c = 0;
		for (let v = 0; v < C; v++) c += Math.abs(overall.vertex[v]! + bal[v]!);
		for (const [p, d] of dir) c += Math.abs(overall.pair[p]! + d);
		return c;
	};
	for (let guard = 0; guard < C * C * 4; guard++) {
		const before = cost();
		let improved = false;
		for (let s = 0; s < C && !improved; s++)
			for (let t = 0; t < C && !improved; t++) {
				const ok = s === t ? true : bal[s] === 1 && bal[t] === -1;
				if (!ok) continue;
				const vs = path(s, t);
				if (!vs) continue;
				reverse(vs);
				if (cost() < before) improved = true;
				else reverse(vs.slice().reverse());
			}
		if (!improved) break;
	}

	const loLeft: boolean[] = new Array<boolean>(list.length).fill(false);
	const tally: SideTally = { vertex: new Int32Array(C), pair: new Int32Array(C * C) };
	for (const [p, idx] of byPair) {
		const lo = Math.floor(p / C);
		const hi = p % C;
		const nLo = Math.floor(idx.length / 2) + (dir.get(p) === 1 ? 1 : 0);
		shuffle(idx, rng).forEach((i, j) => (loLeft[i] = j < nLo));
		const d = 2 * nLo - idx.length;
		tally.pair[p] = d;
		tally.vertex[lo]! += d;
		tally.vertex[hi]! -= d;
	}
	return { loLeft, tally };
}
