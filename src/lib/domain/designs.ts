/**
 * Rating designs: which rater scores which item (or comparison), and in which order.
 *
 * Everything here is a pure function of its input and a seed string, so a round's design can be
 * rebuilt and audited at any time. Inputs are put in a canonical order (by id, compared by UTF-16
 * code units, never by locale) first, so the order rows come back from a database does not matter.
 *
 * Three steps, shared by single-item and pairwise rounds (a unit is an item or a comparison):
 * 1. allocation (balanced designs): each unit gets exactly k raters; how many units of each
 *    checkpoint each rater gets is fixed up front (differing by at most 1 between raters, and so
 *    do workloads), then seeded annealing swaps raters between units of the same checkpoint (which
 *    keeps those counts) to even out how many units each pair of raters shares;
 * 2. order: each checkpoint's units are spread evenly over the rater's sequence by jittered
 *    stratification (the j-th of a checkpoint's m units gets the sort key (j + u) / m, u uniform in
 *    [0, 1)), then drawn in key order skipping any unit whose case equals the previous one;
 * 3. repeats: copies of a share of the rater's items are inserted later in the sequence, at least
 *    `minRepeatGap` positions after the first showing and never next to an item of the same case.
 */
import { randomInt, seededRng, shuffle, type Rng } from './random';

export interface DesignItem {
	id: string;
	/** Items of the same case are never shown back to back. */
	caseKey: string;
	/** Whose output this is; orders spread each checkpoint evenly over positions. */
	checkpointKey: string;
}

export interface DesignRater {
	id: string;
}

export type DesignSpec =
	| { type: 'fully-crossed' }
	| {
			type: 'balanced';
			/** How many raters score each item (k); 1 ≤ k ≤ number of raters. */
			ratersPerItem: number;
	  };

export interface DesignOptions {
	seed: string;
	/** Share (0 to 0.5) of each rater's items shown a second time, later, under a new code. */
	repeatShare?: number;
	/** Least distance (in positions) between an item's first showing and its repeat; default 5. */
	minRepeatGap?: number;
}

export interface Assignment {
	raterId: string;
	itemId: string;
	/** 0-based position in the rater's sequence. */
	position: number;
	/** For a repeat, the position of the first showing of the same item; otherwise null. */
	repeatOf: number | null;
}

/**
 * Largest deviation of any stratum's count from its fair share, over every prefix of every
 * rater's sequence, in items:
 *
 *   max over raters r, strata s, t = 1..L_r of | n_rs(t) − t · n_rs / L_r |
 *
 * where L_r is the length of r's sequence (repeats included), n_rs the number of r's positions
 * holding stratum s, and n_rs(t) how many of the first t do. A stratum is a checkpoint (a pair of
 * checkpoints in pairwise designs). Any block of consecutive positions (a position bin) then
 * deviates from its fair share by at most twice this value. A uniformly shuffled order's deviation
 * grows like √L_r (typically 4 to 8 items for 200 items of two checkpoints); the stratified order
 * stays under 2.
 */
export interface PositionBalance {
	maxDeviation: number;
}

export interface DesignReport {
	/** Distinct items per rater (first showings; repeats are counted in `repeats`). */
	workload: { min: number; max: number };
	/**
	 * Items shared by each pair of raters (0 with fewer than two raters), and the mean
	 * N·k·(k − 1) / (R·(R − 1)) that a perfectly balanced design would give every pair.
	 */
	pairOverlap: { min: number; max: number; mean: number };
	/**
	 * Largest difference, over checkpoints, between the raters who got the most and the fewest of
	 * that checkpoint's items (0 in fully crossed designs).
	 */
	checkpointSpread: number;
	positionBalance: PositionBalance;
	/**
	 * Adjacent pairs of the same case over all sequences: 0 unless a case holds more than half of
	 * some rater's items (rounded up).
	 */
	adjacentSameCase: number;
	/** Repeat showings placed, over all raters. */
	repeats: number;
	/** Repeat showings asked for (round(repeatShare · workload) per rater) but impossible to place. */
	repeatsShort: number;
}

/** One output of a rater's pairwise round: which two items, in which order and on which side. */
export interface PairwiseAssignment {
	raterId: string;
	leftItemId: string;
	rightItemId: string;
	/** 0-based position in the rater's sequence. */
	position: number;
}

export interface PairwiseOptions {
	seed: string;
	/** How comparisons are spread over raters (k raters per comparison); default fully crossed. */
	spec?: DesignSpec;
	// No repeats here: test–retest reliability is measured in single-item rounds.
}

export interface PairwiseReport {
	/** Comparisons formed (each counted once, before assignment to raters). */
	comparisons: number;
	/** Comparisons per rater. */
	workload: { min: number; max: number };
	/** Comparisons shared by each pair of raters, as in DesignReport. */
	pairOverlap: { min: number; max: number; mean: number };
	/** Position balance of checkpoint pairs (see PositionBalance). */
	positionBalance: PositionBalance;
	adjacentSameCase: number;
	/**
	 * Side balance as |times on the left − times on the right|: per checkpoint and rater (always
	 * ≤ 1), per checkpoint over all raters, and per pair of checkpoints (how often A is left of B
	 * minus how often B is left of A) for each rater (always ≤ 1) and over all raters.
	 */
	leftRight: {
		maxRaterImbalance: number;
		maxOverallImbalance: number;
		maxRaterPairImbalance: number;
		maxOverallPairImbalance: number;
	};
}

const DEFAULT_MIN_REPEAT_GAP = 5;
const MAX_REPEAT_SHARE = 0.5;
/** A rater's order is re-drawn when it equals another rater's; only tiny item sets need this. */
const MAX_REDRAWS = 50;
/** Local-search moves per unit×k, and bounds, so large rounds stay well under a second. */
const SEARCH_MOVES_PER_SLOT = 40;
const SEARCH_MOVES_MIN = 20_000;
const SEARCH_MOVES_MAX = 300_000;
/** Annealing temperatures, in units of the quartic cost below. */
const T_START = 4;
const T_END = 0.2;
/** Focus phase: steps at most, steps without a gain before giving up, moves sampled per step. */
const FOCUS_STEPS = 4000;
const FOCUS_PATIENCE = 300;
const FOCUS_SAMPLES = 200;

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function range(n: number): number[] {
	return Array.from({ length: n }, (_, i) => i);
}

/** Groups values by key, in order of first appearance. */
function groupBy<T, K>(values: readonly T[], key: (value: T) => K): Map<K, T[]> {
	const groups = new Map<K, T[]>();
	for (const v of values) {
		const k = key(v);
		const g = groups.get(k);
		if (g) g.push(v);
		else groups.set(k, [v]);
	}
	return groups;
}

function uniqueIds(list: readonly { id: string }[], what: string): void {
	const seen = new Set<string>();
	for (const { id } of list) {
		if (seen.has(id)) throw new Error(`Duplicate ${what} id "${id}"`);
		seen.add(id);
	}
}

/** Index of each distinct key in sorted order, so strata do not depend on input order. */
function indexKeys(keys: readonly string[]): { index: number[]; count: number } {
	const distinct = [...new Set(keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
	const at = new Map(distinct.map((k, i) => [k, i]));
	return { index: keys.map((k) => at.get(k)!), count: distinct.length };
}

function checkSpec(spec: DesignSpec, raters: number): number {
	if (raters < 1) throw new Error('A design needs at least one rater');
	if (spec.type === 'fully-crossed') return raters;
	const k = spec.ratersPerItem;
	if (!Number.isInteger(k) || k < 1)
		throw new Error(`ratersPerItem must be a whole number of at least 1 (got ${k})`);
	if (k > raters) throw new Error(`ratersPerItem (${k}) exceeds the number of raters (${raters})`);
	return k;
}

// ---------------------------------------------------------------------------------------------
// Allocation

interface Allocation {
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
function allocate(
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

function overlapRange(lambda: Int32Array, R: number): { min: number; max: number } {
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

function stratumSpread(perStratum: Int32Array, R: number, S: number): number {
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

interface AnnealState {
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

function anneal(st: AnnealState): void {
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

// ---------------------------------------------------------------------------------------------
// Orders

interface Unit {
	caseKey: string;
	stratum: number;
}

/**
 * Units sorted by jittered stratified keys: within each stratum a random permutation, the j-th of
 * m units keyed (j + u) / m. Each stratum's count among the first t units is then within about 1
 * of its fair share t · m / n.
 */
function stratified(idxs: readonly number[], units: readonly Unit[], rng: Rng): number[] {
	const groups = groupBy(idxs, (i) => units[i]!.stratum);
	const keyed: { i: number; key: number }[] = [];
	for (const s of [...groups.keys()].sort((a, b) => a - b)) {
		const g = shuffle(groups.get(s)!, rng);
		g.forEach((i, j) => keyed.push({ i, key: (j + rng()) / g.length }));
	}
	return keyed.sort((a, b) => a.key - b.key).map((e) => e.i);
}

/**
 * Draws units in the given order, skipping any whose case equals the previous unit's. A case
 * holding more than half of what is left goes next whenever it may, which keeps a clash-free
 * finish possible: it exists exactly when no case holds more than ⌈n / 2⌉ of the n units (the
 * argument: with r units left and previous case p, a clash-free rest exists iff every case has at
 * most ⌈r / 2⌉ and p at most ⌊r / 2⌋, and each step keeps that true).
 */
function drawApart(sorted: readonly number[], units: readonly Unit[]): number[] {
	const remaining = sorted.slice();
	const left = new Map<string, number>();
	for (const i of remaining) left.set(units[i]!.caseKey, (left.get(units[i]!.caseKey) ?? 0) + 1);
	const out: number[] = [];
	while (remaining.length) {
		const prev = out.length ? units[out.at(-1)!]!.caseKey : undefined;
		let forced: string | undefined;
		for (const [key, n] of left) if (n * 2 > remaining.length && key !== prev) forced = key;
		let at = remaining.findIndex((i) =>
			forced === undefined ? units[i]!.caseKey !== prev : units[i]!.caseKey === forced
		);
		if (at === -1) at = 0; // unavoidable: one case holds the majority
		const [next] = remaining.splice(at, 1);
		out.push(next!);
		left.set(units[next!]!.caseKey, left.get(units[next!]!.caseKey)! - 1);
	}
	return out;
}

interface Showing {
	unit: number;
	/** Position of the first showing, for repeats. */
	repeatOf: number | null;
}

interface RepeatPlan {
	share: number;
	gap: number;
}

/**
 * Inserts copies of round(share · n) of the base order's n units. The copies' slots are spread
 * evenly (jittered) over the gaps from base position `gap` − 1 on, and their checkpoints follow a
 * stratified sequence with each stratum's share of the base order (largest remainders), so the
 * whole sequence stays position-balanced. Each slot then takes a random unused unit of its
 * stratum (else of the strata furthest behind their quotas) that sits at least `gap` positions
 * earlier and whose case differs from both neighbours, moving to later gaps when none fits; a copy
 * that fits nowhere is left out and counted as short.
 */
function withRepeats(
	base: readonly number[],
	units: readonly Unit[],
	plan: RepeatPlan,
	rng: Rng
): { sequence: Showing[]; short: number } {
	const n = base.length;
	const wanted = Math.round(plan.share * n);
	const firstGap = plan.gap - 1;
	const after: number[][] = Array.from({ length: n }, () => []);
	let placed = 0;
	if (wanted > 0 && firstGap < n) {
		const stratumOf = (p: number) => units[base[p]!]!.stratum;
		const caseOf = (unit: number | undefined) =>
			unit === undefined ? undefined : units[unit]!.caseKey;
		const perStratum = new Map<number, number>();
		for (let p = 0; p < n; p++)
			perStratum.set(stratumOf(p), (perStratum.get(stratumOf(p)) ?? 0) + 1);
		const strataIds = [...perStratum.keys()].sort((x, y) => x - y);
		const quota = largestRemainders(
			wanted,
			strataIds.map((st) => perStratum.get(st)!),
			rng
		);
		const labels: { stratum: number; key: number }[] = [];
		strataIds.forEach((st, i) => {
			for (let j = 0; j < quota[i]!; j++)
				labels.push({ stratum: st, key: (j + rng()) / quota[i]! });
		});
		labels.sort((x, y) => x.key - y.key);
		const left = new Map(strataIds.map((st, i) => [st, quota[i]!]));
		const used = new Uint8Array(n);
		const span = n - firstGap;
		/** Fitting base positions for a copy after base position q, of `stratum` if possible. */
		const optionsAt = (q: number, stratum: number): number[] => {
			const prev = caseOf(after[q]!.at(-1) ?? base[q]);
			const next = caseOf(base[q + 1]);
			const fitting: number[] = [];
			for (let p = 0; p <= q - plan.gap + 1; p++) {
				const c = units[base[p]!]!.caseKey;
				if (!used[p] && c !== prev && c !== next) fitting.push(p);
			}
			const same = fitting.filter((p) => stratumOf(p) === stratum);
			if (same.length) return same;
			// Else the strata most behind their quota.
			const need = (p: number) => left.get(stratumOf(p))!;
			const most = Math.max(...fitting.map(need));
			return fitting.filter((p) => need(p) === most);
		};
		labels.forEach(({ stratum }, i) => {
			// Later gaps have more earlier units to choose from; try them when this one has none.
			for (let q = firstGap + Math.floor(((i + rng()) * span) / wanted); q < n; q++) {
				const options = optionsAt(q, stratum);
				if (!options.length) continue;
				const p = options[randomInt(rng, options.length)]!;
				used[p] = 1;
				left.set(stratumOf(p), left.get(stratumOf(p))! - 1);
				after[q]!.push(base[p]!);
				placed++;
				return;
			}
		});
	}

	const sequence: Showing[] = [];
	const firstAt = new Map<number, number>();
	for (let q = 0; q < n; q++) {
		firstAt.set(base[q]!, sequence.length);
		sequence.push({ unit: base[q]!, repeatOf: null });
		for (const unit of after[q]!) sequence.push({ unit, repeatOf: firstAt.get(unit)! });
	}
	return { sequence, short: wanted - placed };
}

/** Splits `total` in proportion to `weights` (largest remainders, ties broken at random). */
function largestRemainders(total: number, weights: readonly number[], rng: Rng): number[] {
	const sum = weights.reduce((x, y) => x + y, 0);
	const exact = weights.map((w) => (total * w) / sum);
	const out = exact.map(Math.floor);
	const order = shuffle(range(weights.length), rng).sort(
		(x, y) => exact[y]! - out[y]! - (exact[x]! - out[x]!)
	);
	const missing = total - out.reduce((x, y) => x + y, 0);
	for (let i = 0; i < missing; i++) out[order[i]!]!++;
	return out;
}

/** One rater's sequence: stratified, drawn apart by case, then repeats inserted. */
function sequenceFor(
	idxs: readonly number[],
	units: readonly Unit[],
	plan: RepeatPlan,
	rng: Rng
): { sequence: Showing[]; short: number } {
	const base = drawApart(stratified(idxs, units, rng), units);
	return withRepeats(base, units, plan, rng);
}

/**
 * Sequences for all raters, re-drawn (with a numbered seed suffix) when a rater's sequence equals
 * an earlier rater's, which only happens for a handful of items.
 */
function sequences(
	perRater: readonly number[][],
	raterIds: readonly string[],
	units: readonly Unit[],
	plan: RepeatPlan,
	seed: string
): { sequence: Showing[]; short: number }[] {
	const seen = new Set<string>();
	return perRater.map((idxs, r) => {
		let result = sequenceFor(idxs, units, plan, seededRng(`${seed}/order/${raterIds[r]}`));
		for (let attempt = 1; attempt <= MAX_REDRAWS; attempt++) {
			const signature = result.sequence.map((s) => s.unit).join(',');
			if (!seen.has(signature)) {
				seen.add(signature);
				break;
			}
			const rng = seededRng(`${seed}/order/${raterIds[r]}/${attempt}`);
			result = sequenceFor(idxs, units, plan, rng);
		}
		return result;
	});
}

function prefixDeviation(strata: readonly number[]): number {
	const L = strata.length;
	const total = new Map<number, number>();
	for (const s of strata) total.set(s, (total.get(s) ?? 0) + 1);
	const seen = new Map<number, number>([...total.keys()].map((s) => [s, 0]));
	let worst = 0;
	strata.forEach((s, t) => {
		seen.set(s, seen.get(s)! + 1);
		for (const [key, count] of seen)
			worst = Math.max(worst, Math.abs(count - ((t + 1) * total.get(key)!) / L));
	});
	return worst;
}

function countAdjacent(sequence: readonly Showing[], units: readonly Unit[]): number {
	let n = 0;
	for (let i = 1; i < sequence.length; i++)
		if (units[sequence[i]!.unit]!.caseKey === units[sequence[i - 1]!.unit]!.caseKey) n++;
	return n;
}

function minMax(values: readonly number[]): { min: number; max: number } {
	return values.length
		? { min: Math.min(...values), max: Math.max(...values) }
		: { min: 0, max: 0 };
}

function round6(x: number): number {
	return Math.round(x * 1e6) / 1e6;
}

function repeatPlan(opts: DesignOptions): RepeatPlan {
	const share = opts.repeatShare ?? 0;
	const gap = opts.minRepeatGap ?? DEFAULT_MIN_REPEAT_GAP;
	if (!(share >= 0 && share <= MAX_REPEAT_SHARE))
		throw new Error(`repeatShare must be between 0 and ${MAX_REPEAT_SHARE} (got ${share})`);
	if (!Number.isInteger(gap) || gap < 1)
		throw new Error(`minRepeatGap must be a whole number of at least 1 (got ${gap})`);
	return { share, gap };
}

/**
 * Allocates units to raters per the spec: everything to everyone when fully crossed; for k above
 * R / 2 the complement (who does not rate each unit: R − k raters) is allocated instead, which is
 * cheaper to search; the search then scores the real overlaps N − load_a − load_b + λ'_ab. The case
 * cap is left out there: each rater has over half of all items, so a case could only reach half of
 * a rater's items by holding about a quarter of the round.
 */
function allocateFor(
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

/**
 * Builds a round's design: which items each rater scores, in which order, and which are repeats.
 *
 * Guarantees (property-tested over random sizes up to 40 raters × 200 items):
 * - the same items, raters, spec and options give the same assignments, whatever their input
 *   order; raters get different sequences whenever the items allow it (re-drawn on a clash);
 * - fully crossed: every rater scores every item once. Balanced: every item is scored by exactly
 *   k raters; workloads, and each checkpoint's count per rater, differ by at most 1;
 * - no two items of the same case are adjacent in a sequence (repeats included) unless a case
 *   holds more than ⌈n / 2⌉ of the rater's n showings; balanced allocation keeps each case under
 *   that cap for k ≤ R / 2 whenever its greedy start allows, so clashes only remain in tiny rounds;
 * - each checkpoint is spread evenly over every sequence (see PositionBalance; worst measured over
 *   1,000 random rounds: 1.53 items without repeats, 2.94 with);
 * - a repeat comes at least `minRepeatGap` positions after its first showing and, like any item,
 *   never next to an item of the same case; repeats that cannot be placed so are left out and
 *   counted in `repeatsShort` (only seen with fewer than about 2 × minRepeatGap items per rater).
 *
 * Pair overlap (balanced) is best effort: the search aims at max − min ≤ 1 and the report says
 * what it reached (with the mean every pair would share in a perfect design). Guaranteed: 0 for
 * k = 1, k = R, and k = R − 1 with equal loads; ≤ 1 for k = 2 (property-tested). Otherwise it is
 * usually ≤ 1 for up to about 10 raters, ≤ 2 up to 12, and 2 to 4 for many raters with a large k,
 * where a perfectly balanced design is a hard combinatorial problem or does not exist (with
 * k = R − 1 and unequal loads, pairs of lightly loaded raters must share 2 items fewer).
 *
 * @throws Error when there are no items or raters, ids repeat, k is not a whole number in
 * 1..raters, or the repeat options are out of range.
 */
export function buildDesign(
	items: readonly DesignItem[],
	raters: readonly DesignRater[],
	spec: DesignSpec,
	opts: DesignOptions
): { assignments: Assignment[]; report: DesignReport } {
	if (!items.length) throw new Error('A design needs at least one item');
	uniqueIds(items, 'item');
	uniqueIds(raters, 'rater');
	const k = checkSpec(spec, raters.length);
	const plan = repeatPlan(opts);
	const sortedItems = items.slice().sort(byId);
	const sortedRaters = raters.slice().sort(byId);
	const strata = indexKeys(sortedItems.map((i) => i.checkpointKey));
	const units: Unit[] = sortedItems.map((it, i) => ({
		caseKey: it.caseKey,
		stratum: strata.index[i]!
	}));

	const alloc = allocateFor(
		units,
		strata.count,
		sortedRaters.length,
		k,
		seededRng(`${opts.seed}/assign`)
	);
	const raterIds = sortedRaters.map((r) => r.id);
	const seqs = sequences(alloc.perRater, raterIds, units, plan, opts.seed);

	const assignments: Assignment[] = [];
	let repeats = 0;
	let adjacent = 0;
	let deviation = 0;
	seqs.forEach(({ sequence }, r) => {
		sequence.forEach((s, position) => {
			assignments.push({
				raterId: raterIds[r]!,
				itemId: sortedItems[s.unit]!.id,
				position,
				repeatOf: s.repeatOf
			});
			if (s.repeatOf !== null) repeats++;
		});
		adjacent += countAdjacent(sequence, units);
		deviation = Math.max(deviation, prefixDeviation(sequence.map((s) => units[s.unit]!.stratum)));
	});
	return {
		assignments,
		report: {
			workload: minMax(alloc.perRater.map((l) => l.length)),
			pairOverlap: alloc.pairOverlap,
			checkpointSpread: alloc.stratumSpread,
			positionBalance: { maxDeviation: round6(deviation) },
			adjacentSameCase: adjacent,
			repeats,
			repeatsShort: seqs.reduce((sum, s) => sum + s.short, 0)
		}
	};
}

/**
 * One rater's order of items on its own (no allocation, no repeats): the same stratified,
 * case-apart order `buildDesign` gives in a fully crossed design, seeded by `seed` alone. Meant for
 * adding a rater to a running fully crossed round; supersedes `raterOrder` in order.ts.
 */
export function stratifiedOrder<T extends DesignItem>(items: readonly T[], seed: string): T[] {
	uniqueIds(items, 'item');
	const sorted = items.slice().sort(byId);
	const strata = indexKeys(sorted.map((i) => i.checkpointKey));
	const units = sorted.map((it, i) => ({ caseKey: it.caseKey, stratum: strata.index[i]! }));
	const rng = seededRng(seed);
	return drawApart(stratified(range(sorted.length), units, rng), units).map((i) => sorted[i]!);
}

// ---------------------------------------------------------------------------------------------
// Pairwise

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
