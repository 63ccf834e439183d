// Over 300 lines: one annealing search whose moves share one cost function.
/** Step 1 of a design: which rater gets which unit (balanced allocation and its annealing search). */
import {
	FOCUS_PATIENCE,
	FOCUS_SAMPLES,
	FOCUS_STEPS,
	SEARCH_MOVES_MAX,
	SEARCH_MOVES_MIN,
	SEARCH_MOVES_PER_SLOT,
	T_END,
	T_START,
	indexKeys,
	range
} from './common';
import { type Unit, round6 } from './order';
import { randomInt, shuffle, type Rng } from '../random';

export interface Allocation {
	/** Unit indices of each rater, ascending. */
	perRater: number[][];
	pairOverlap: { min: number; max: number; mean: number };
	stratumSpread: number;
}

/**
 * Gives each of N units exactly k of R raters.
 *
 * 1. Quotas: stratum s's N_s·k slots go ⌊N_s·k/R⌋ to every rater, and the remainders are dealt
 *    round-robin over a shuffled rater list, stratum after stratum. So every rater's count of a
 *    stratum differs from any other's by at most 1, and so do loads (the round-robin hands out
 *    ⌊E/R⌋ or ⌈E/R⌉ of the E remainder slots to each rater).
 * 2. Greedy: units in random order, each taking k raters with quota left for its stratum: first
 *    any whose quota equals the stratum's units left (else it would strand), then those sharing the
 *    fewest units with the raters already taken, ties at random. Σ quota = k · units left and no
 *    quota exceeds units left, before and after each unit, so k raters can always be found.
 * 3. Annealing over swaps that keep every quota: unit x trades rater a for b while a unit y of the
 *    same stratum trades b for a. The cost is Σ_{a<b} (λ_ab − λ̄)⁴ over pair overlaps λ; it stops
 *    once max λ − min λ ≤ 1 or after a move budget, then a focused descent works on the extreme
 *    pairs (sampled moves that take a rater out of, or bring one into, their shared units).
 * A case never gets more than half of a rater's load (rounded up) unless the greedy step is
 * forced to, so every rater's items can be ordered with no case twice in a row.
 */
export function allocate(
	strata: readonly number[],
	nStrata: number,
	cases: readonly number[],
	R: number,
	k: number,
	rng: Rng,
	complementOf?: number
): Int32Array {
	const N = strata.length;
	const S = nStrata;
	const stratumUnits = Array.from({ length: S }, () => [] as number[]);
	strata.forEach((s, u) => stratumUnits[s]!.push(u));
	const quota = new Int32Array(R * S);
	const dealOrder = shuffle(range(R), rng);
	let dealt = 0;
	for (const s of shuffle(range(S), rng)) {
		const slots = stratumUnits[s]!.length * k;
		for (let r = 0; r < R; r++) quota[r * S + s] = Math.floor(slots / R);
		for (let e = 0; e < slots % R; e++) quota[dealOrder[dealt++ % R]! * S + s]!++;
	}

	// A case may fill at most half of a rater's items (rounded up), else its items must touch.
	const nCases = Math.max(0, ...cases) + 1;
	const caseCap = new Int32Array(R);
	const shift = new Int32Array(R);
	for (let r = 0; r < R; r++) {
		let load = 0;
		for (let s = 0; s < S; s++) load += quota[r * S + s]!;
		caseCap[r] = complementOf === undefined ? Math.ceil(load / 2) : N;
		// Complement mode: a pair's real overlap is N − load_a − load_b + its complement overlap.
		if (complementOf !== undefined) shift[r] = -load;
	}
	const caseCount = new Int32Array(R * nCases);

	const lambda = new Int32Array(R * R);
	const members = new Int32Array(N * k);
	const isMember = new Uint8Array(N * R);
	const unitsLeft = Int32Array.from(stratumUnits, (l) => l.length);
	const score = new Float64Array(R);
	for (const u of shuffle(range(N), rng)) {
		const s = strata[u]!;
		const c = cases[u]!;
		for (let r = 0; r < R; r++) score[r] = rng();
		for (let slot = 0; slot < k; slot++) {
			// Raters over their case cap come last (penalty above any overlap score).
			const key = (r: number) =>
				score[r]! + (caseCount[r * nCases + c]! >= caseCap[r]! ? N * k : 0);
			let pick = -1;
			for (let r = 0; r < R; r++) {
				const q = quota[r * S + s]!;
				if (isMember[u * R + r] || q === 0) continue;
				if (q === unitsLeft[s]) {
					pick = r;
					break;
				}
				if (pick < 0 || key(r) < key(pick)) pick = r;
			}
			members[u * k + slot] = pick;
			isMember[u * R + pick] = 1;
			quota[pick * S + s]!--;
			caseCount[pick * nCases + c]!++;
			for (let r = 0; r < R; r++) score[r]! += lambda[pick * R + r]!;
			for (let i = 0; i < slot; i++) {
				const other = members[u * k + i]!;
				lambda[pick * R + other]!++;
				lambda[other * R + pick]!++;
			}
		}
		unitsLeft[s]!--;
	}

	if (k < R) {
		const caseLimit = { cases, nCases, caseCap, caseCount };
		const real = complementOf ?? k;
		const target = {
			base: complementOf === undefined ? 0 : N,
			shift,
			mean: (N * real * (real - 1)) / (R * (R - 1))
		};
		anneal({ N, R, k, S, strata, lambda, members, isMember, rng, ...caseLimit, ...target });
	}

	return members;
}

export function overlapRange(lambda: Int32Array, R: number): { min: number; max: number } {
	if (R < 2) return { min: 0, max: 0 };
	let min = Infinity;
	let max = -Infinity;
	for (let a = 0; a < R; a++)
		for (let b = a + 1; b < R; b++) {
			const v = lambda[a * R + b]!;
			if (v < min) min = v;
			if (v > max) max = v;
		}
	return { min, max };
}

export function stratumSpread(perStratum: Int32Array, R: number, S: number): number {
	let spread = 0;
	for (let s = 0; s < S; s++) {
		let min = Infinity;
		let max = -Infinity;
		for (let r = 0; r < R; r++) {
			const v = perStratum[r * S + s]!;
			if (v < min) min = v;
			if (v > max) max = v;
		}
		spread = Math.max(spread, max - min);
	}
	return spread;
}

export interface AnnealState {
	N: number;
	R: number;
	k: number;
	S: number;
	strata: readonly number[];
	lambda: Int32Array;
	members: Int32Array;
	isMember: Uint8Array;
	rng: Rng;
	cases: readonly number[];
	nCases: number;
	caseCap: Int32Array;
	caseCount: Int32Array;
	/** The overlap that counts for a and b is λ_ab + base + shift_a + shift_b (complement mode). */
	base: number;
	shift: Int32Array;
	/** Mean of the overlaps that count. */
	mean: number;
}

export function anneal(st: AnnealState): void {
	const { N, R, k, S, strata, lambda, members, isMember, rng } = st;
	const { cases, nCases, caseCap, caseCount, base, shift, mean } = st;
	// unitsOf[r·S + s] lists r's units of stratum s; slotOf locates each entry for O(1) swaps.
	const unitsOf: number[][] = Array.from({ length: R * S }, () => []);
	const slotOf = new Int32Array(N * R);
	for (let u = 0; u < N; u++)
		for (let i = 0; i < k; i++) {
			const r = members[u * k + i]!;
			slotOf[u * R + r] = unitsOf[r * S + strata[u]!]!.push(u) - 1;
		}
	// Quartic cost: overlaps off the mean by less than 1 cost almost nothing and outliers a lot,
	// so the search roams freely among near-even designs and spends its effort on the extremes.
	const cost = Float64Array.from({ length: N + 2 }, (_, v) => (v - mean) ** 4);
	const value = (a: number, b: number) => lambda[a * R + b]! + base + shift[a]! + shift[b]!;
	const up = (a: number, b: number) => cost[value(a, b) + 1]! - cost[value(a, b)]!;
	const down = (a: number, b: number) => cost[value(a, b) - 1]! - cost[value(a, b)]!;
	const extent = () => {
		let min = Infinity;
		let max = -Infinity;
		for (let a = 0; a < R; a++)
			for (let b = a + 1; b < R; b++) {
				const v = value(a, b);
				if (v < min) min = v;
				if (v > max) max = v;
			}
		return { min, max };
	};

	/** Cost change when unit x trades rater a for b and unit y trades b for a. */
	const delta = (x: number, a: number, b: number, y: number): number => {
		let d = 0;
		for (let i = 0; i < k; i++) {
			const c = members[x * k + i]!;
			if (c !== a && !isMember[y * R + c]) d += down(a, c) + up(b, c);
			const e = members[y * k + i]!;
			if (e !== b && !isMember[x * R + e]) d += down(b, e) + up(a, e);
		}
		return d;
	};
	/** Whether the move keeps b (taking x's case) and a (taking y's) within their case caps. */
	const allowed = (x: number, a: number, b: number, y: number): boolean => {
		const cx = cases[x]!;
		const cy = cases[y]!;
		return (
			cx === cy ||
			(caseCount[b * nCases + cx]! < caseCap[b]! && caseCount[a * nCases + cy]! < caseCap[a]!)
		);
	};
	const apply = (x: number, a: number, b: number, y: number): void => {
		const cx = cases[x]!;
		const cy = cases[y]!;
		caseCount[a * nCases + cx]!--;
		caseCount[b * nCases + cx]!++;
		caseCount[b * nCases + cy]!--;
		caseCount[a * nCases + cy]!++;
		for (let i = 0; i < k; i++) {
			const c = members[x * k + i]!;
			if (c !== a && !isMember[y * R + c]) {
				lambda[a * R + c]!--;
				lambda[c * R + a]!--;
				lambda[b * R + c]!++;
				lambda[c * R + b]!++;
			}
			const e = members[y * k + i]!;
			if (e !== b && !isMember[x * R + e]) {
				lambda[b * R + e]!--;
				lambda[e * R + b]!--;
				lambda[a * R + e]!++;
				lambda[e * R + a]!++;
			}
		}
		for (let i = 0; i < k; i++) {
			if (members[x * k + i] === a) members[x * k + i] = b;
			if (members[y * k + i] === b) members[y * k + i] = a;
		}
		isMember[x * R + a] = 0;
		isMember[x * R + b] = 1;
		isMember[y * R + b] = 0;
		isMember[y * R + a] = 1;
		// a's list for this stratum now holds y where it held x, and b's holds x where it held y.
		const s = strata[x]!;
		const ia = slotOf[x * R + a]!;
		const ib = slotOf[y * R + b]!;
		unitsOf[a * S + s]![ia] = y;
		slotOf[y * R + a] = ia;
		unitsOf[b * S + s]![ib] = x;
		slotOf[x * R + b] = ib;
	};
	/** A random move (x, a, b, y) keeping quotas, or null when the draw does not fit. */
	const randomMove = (x: number, a: number): [number, number, number, number] | null => {
		const b = randomInt(rng, R);
		if (isMember[x * R + b]) return null;
		const pool = unitsOf[b * S + strata[x]!]!;
		if (!pool.length) return null;
		const y = pool[randomInt(rng, pool.length)]!;
		return isMember[y * R + a] || !allowed(x, a, b, y) ? null : [x, a, b, y];
	};
	const spread = () => {
		const { min, max } = extent();
		return max - min;
	};

	const budget = Math.min(
		SEARCH_MOVES_MAX,
		Math.max(SEARCH_MOVES_MIN, SEARCH_MOVES_PER_SLOT * N * k)
	);
	const coolBy = Math.pow(T_END / T_START, 1 / budget);
	let temperature = T_START;
	for (let move = 0; move < budget; move++, temperature *= coolBy) {
		if (move % 1024 === 0 && spread() <= 1) return;
		const x = randomInt(rng, N);
		const m = randomMove(x, members[x * k + randomInt(rng, k)]!);
		if (!m) continue;
		const d = delta(...m);
		if (d > 0 && rng() >= Math.exp(-d / temperature)) continue;
		apply(...m);
	}

	// Focus: repeatedly take an extreme pair and the best of a sample of moves that would bring
	// it towards the mean; moves that do not raise the cost are kept.
	let sinceGain = 0;
	for (let step = 0; step < FOCUS_STEPS && sinceGain < FOCUS_PATIENCE; step++, sinceGain++) {
		const { min, max } = extent();
		if (max - min <= 1) return;
		const extremes: [number, number, boolean][] = [];
		for (let p = 0; p < R; p++)
			for (let q = p + 1; q < R; q++) {
				const v = value(p, q);
				if (v === max && max > mean + 0.5) extremes.push([p, q, true]);
				else if (v === min && min < mean - 0.5) extremes.push([p, q, false]);
			}
		const [p, q, high] = extremes[randomInt(rng, extremes.length)]!;
		let best: [number, number, number, number] | null = null;
		let bestDelta = Infinity;
		const shared: number[] = [];
		const only: number[] = [];
		for (let s = 0; s < S; s++)
			for (const u of unitsOf[p * S + s]!) (isMember[u * R + q] ? shared : only).push(u);
		for (let t = 0; t < FOCUS_SAMPLES; t++) {
			let m: [number, number, number, number] | null;
			if (high) {
				// Take p (or q) out of a unit they share.
				if (!shared.length) break;
				const x = shared[randomInt(rng, shared.length)]!;
				m = randomMove(x, rng() < 0.5 ? p : q);
			} else {
				// Bring q into one of p's units in place of someone else.
				if (!only.length) break;
				const x = only[randomInt(rng, only.length)]!;
				const d = members[x * k + randomInt(rng, k)]!;
				if (d === p) continue;
				const pool = unitsOf[q * S + strata[x]!]!;
				const y = pool[randomInt(rng, pool.length)];
				m = y === undefined || isMember[y * R + d] || !allowed(x, d, q, y) ? null : [x, d, q, y];
			}
			if (!m) continue;
			const d = delta(...m);
			if (d < bestDelta) [best, bestDelta] = [m, d];
		}
		if (best && bestDelta <= 0) apply(...best);
		if (bestDelta < -1e-9) sinceGain = 0;
	}
}

/**
 * Allocates units to raters per the spec: everything to everyone when fully crossed; for k above
 * R / 2 the complement (who does not rate each unit: R − k raters) is allocated instead, which is
 * cheaper to search; the search then scores the real overlaps N − load_a − load_b + λ'_ab. The case
 * cap is left out there: each rater has over half of all items, so a case could only reach half of
 * a rater's items by holding about a quarter of the round.
 */
export function allocateFor(
	units: readonly Unit[],
	nStrata: number,
	R: number,
	k: number,
	rng: Rng
): Allocation {
	const strata = units.map((u) => u.stratum);
	let perUnit: number[][];
	if (k === R) perUnit = units.map(() => range(R));
	else {
		const cases = indexKeys(units.map((u) => u.caseKey)).index;
		const flip = 2 * k > R;
		const kk = flip ? R - k : k;
		const members = allocate(strata, nStrata, cases, R, kk, rng, flip ? k : undefined);
		perUnit = units.map((_, u) => {
			const m = Array.from(members.subarray(u * kk, (u + 1) * kk));
			return flip ? range(R).filter((r) => !m.includes(r)) : m;
		});
	}
	const perRater: number[][] = Array.from({ length: R }, () => []);
	const perStratum = new Int32Array(R * nStrata);
	const lambda = new Int32Array(R * R);
	perUnit.forEach((rs, u) => {
		for (const r of rs) {
			perRater[r]!.push(u);
			perStratum[r * nStrata + strata[u]!]!++;
			for (const q of rs) if (q !== r) lambda[r * R + q]!++;
		}
	});
	const N = units.length;
	return {
		perRater,
		pairOverlap: {
			...overlapRange(lambda, R),
			mean: R < 2 ? 0 : round6((N * k * (k - 1)) / (R * (R - 1)))
		},
		stratumSpread: stratumSpread(perStratum, R, nStrata)
	};
}
