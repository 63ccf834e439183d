// Over 300 lines: one algorithm (balanced orders, then repeats); its steps depend on each other.
/**
 * Steps 2 and 3 of a design: each rater's order (position-balanced, case-apart, and otherwise as
 * random as a shuffle) and repeated showings.
 */
import {
	BALANCE_BAND,
	DEFAULT_MIN_REPEAT_GAP,
	MAX_REDRAWS,
	MAX_REPEAT_SHARE,
	MIX_REACH,
	MIX_SWEEPS,
	REPEAT_ATTEMPTS,
	REPEAT_DEVIATION_TARGET,
	groupBy,
	range
} from './common';
import type { DesignOptions } from './types';
import { randomInt, seededRng, shuffle, type Rng } from '../random';

export interface Unit {
	caseKey: string;
	stratum: number;
}

/**
 * Units sorted by jittered stratified keys: within each stratum a random permutation, the j-th of
 * m units keyed (j + u) / m. Each stratum's count among the first t units is then within about 1
 * of its fair share t · m / n. Only the start of `mix`: on its own this order nearly alternates
 * (two checkpoints: aligned pairs 1–2, 3–4, … hold one of each almost always).
 */
export function stratified(idxs: readonly number[], units: readonly Unit[], rng: Rng): number[] {
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
export function drawApart(sorted: readonly number[], units: readonly Unit[]): number[] {
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

/**
 * Randomises a valid order while keeping it valid: a Markov chain whose states are the orders of
 * these units in which every stratum's count in every prefix stays within the band of its fair
 * share (|n_s(t) − t · n_s / n| ≤ max(BALANCE_BAND, the start's own deviation)) and same-case
 * neighbours are no more than at the start (0 whenever the cases allow). Each step proposes to
 * swap the units at positions i and i + d (i uniform, d uniform in 1..MIX_REACH) and takes the
 * swap when the result is still in that set. The proposal is symmetric and the acceptance rule
 * is "valid or not", so the chain's stationary distribution is the uniform distribution over the
 * valid orders (those local swaps reach): a constrained random shuffle. After MIX_SWEEPS proposals
 * per unit the stratified start's alternation is forgotten; designs/order.test.ts checks transition
 * counts and aligned pairs against shuffles drawn by rejection (uniform by construction) for 2 to 4
 * checkpoints. Long orders come close but not all the way: with 2,000 letters of two checkpoints,
 * 59.0 % of aligned pairs were mixed after 40 sweeps and 59.5 % after 400 (the stratified start:
 * 99.9 %), so what is left lies on the side of less pattern.
 *
 * Cost: O(n · MIX_SWEEPS · MIX_REACH) per order.
 */
export function mix(start: readonly number[], units: readonly Unit[], rng: Rng): number[] {
	const order = start.slice();
	const n = order.length;
	if (n < 3) return order;
	const local = indexOf(order.map((u) => units[u]!.stratum));
	const lab = Int32Array.from(order, (_, p) => local.index[p]!);
	const total = new Int32Array(local.count);
	for (const s of lab) total[s]!++;
	// prefix[s][t]: units of stratum s among the first t. Deviations are compared in integers,
	// scaled by n: |prefix · n − t · total| ≤ band · n.
	const prefix = Array.from({ length: local.count }, () => new Int32Array(n + 1));
	let startDeviation = 0;
	for (let t = 1; t <= n; t++)
		for (let s = 0; s < local.count; s++) {
			prefix[s]![t] = prefix[s]![t - 1]! + (lab[t - 1] === s ? 1 : 0);
			startDeviation = Math.max(startDeviation, Math.abs(prefix[s]![t]! * n - t * total[s]!));
		}
	const limit = Math.max(BALANCE_BAND * n, startDeviation) + 1e-6;
	const caseOf = Int32Array.from(indexOf(order.map((u) => units[u]!.caseKey)).index);
	const clashAt = (k: number) => (k >= 0 && k + 1 < n && caseOf[k] === caseOf[k + 1] ? 1 : 0);
	let clashes = 0;
	for (let k = 0; k + 1 < n; k++) clashes += clashAt(k);
	const maxClashes = clashes;
	const swap = (i: number, j: number) => {
		const unit = order[i]!;
		order[i] = order[j]!;
		order[j] = unit;
		const c = caseOf[i]!;
		caseOf[i] = caseOf[j]!;
		caseOf[j] = c;
	};
	/** Clashes among the pairs (k, k + 1) a swap of i < j can change: around i and around j. */
	const clashesNear = (i: number, j: number) =>
		clashAt(i - 1) + clashAt(i) + (j - 1 > i ? clashAt(j - 1) : 0) + clashAt(j);

	for (let step = n * MIX_SWEEPS; step > 0; step--) {
		const i = randomInt(rng, n);
		const j = i + 1 + randomInt(rng, MIX_REACH);
		if (j >= n) continue;
		const a = lab[i]!;
		const b = lab[j]!;
		const before = clashesNear(i, j);
		swap(i, j);
		const after = clashesNear(i, j);
		if (clashes - before + after > maxClashes) {
			swap(i, j);
			continue;
		}
		if (a !== b) {
			// Prefixes t = i + 1 .. j lose one a and gain one b.
			const pa = prefix[a]!;
			const pb = prefix[b]!;
			let fits = true;
			for (let t = i + 1; t <= j && fits; t++)
				fits =
					Math.abs((pa[t]! - 1) * n - t * total[a]!) <= limit &&
					Math.abs((pb[t]! + 1) * n - t * total[b]!) <= limit;
			if (!fits) {
				swap(i, j);
				continue;
			}
			for (let t = i + 1; t <= j; t++) {
				pa[t]!--;
				pb[t]!++;
			}
			lab[i] = b;
			lab[j] = a;
		}
		clashes += after - before;
	}
	return order;
}

/** Local indices 0..count − 1 of the distinct values, in order of first appearance. */
function indexOf<T>(values: readonly T[]): { index: number[]; count: number } {
	const at = new Map<T, number>();
	const index = values.map((v) => {
		if (!at.has(v)) at.set(v, at.size);
		return at.get(v)!;
	});
	return { index, count: at.size };
}

export interface Showing {
	unit: number;
	/** Position of the first showing, for repeats. */
	repeatOf: number | null;
}

export interface RepeatPlan {
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
export function withRepeats(
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
export function largestRemainders(total: number, weights: readonly number[], rng: Rng): number[] {
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

/** One rater's order without repeats: stratified, drawn apart by case, then mixed. */
export function baseOrder(idxs: readonly number[], units: readonly Unit[], rng: Rng): number[] {
	return mix(drawApart(stratified(idxs, units, rng), units), units, rng);
}

/**
 * One rater's sequence: the base order, then repeats inserted. The copies can push a checkpoint
 * up to about 2 letters further from its fair share; when they push it past
 * REPEAT_DEVIATION_TARGET, the insertion is drawn again (up to REPEAT_ATTEMPTS in all) and the
 * best draw kept: fewest copies left out, then the smallest deviation.
 */
export function sequenceFor(
	idxs: readonly number[],
	units: readonly Unit[],
	plan: RepeatPlan,
	rng: Rng
): { sequence: Showing[]; short: number } {
	const base = baseOrder(idxs, units, rng);
	const deviationOf = (r: { sequence: Showing[] }) =>
		prefixDeviation(r.sequence.map((s) => units[s.unit]!.stratum));
	let best = withRepeats(base, units, plan, rng);
	if (plan.share === 0) return best;
	let bestDeviation = deviationOf(best);
	for (let attempt = 1; attempt < REPEAT_ATTEMPTS; attempt++) {
		if (bestDeviation <= REPEAT_DEVIATION_TARGET) break;
		const next = withRepeats(base, units, plan, rng);
		const deviation = deviationOf(next);
		if (next.short < best.short || (next.short === best.short && deviation < bestDeviation)) {
			best = next;
			bestDeviation = deviation;
		}
	}
	return best;
}

/**
 * Sequences for all raters, re-drawn (with a numbered seed suffix) when a rater's sequence equals
 * an earlier rater's, which only happens for a handful of items.
 */
export function sequences(
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

export function prefixDeviation(strata: readonly number[]): number {
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

export function countAdjacent(sequence: readonly Showing[], units: readonly Unit[]): number {
	let n = 0;
	for (let i = 1; i < sequence.length; i++)
		if (units[sequence[i]!.unit]!.caseKey === units[sequence[i - 1]!.unit]!.caseKey) n++;
	return n;
}

export function minMax(values: readonly number[]): { min: number; max: number } {
	return values.length
		? { min: Math.min(...values), max: Math.max(...values) }
		: { min: 0, max: 0 };
}

export function round6(x: number): number {
	return Math.round(x * 1e6) / 1e6;
}

export function repeatPlan(opts: DesignOptions): RepeatPlan {
	const share = opts.repeatShare ?? 0;
	const gap = opts.minRepeatGap ?? DEFAULT_MIN_REPEAT_GAP;
	if (!(share >= 0 && share <= MAX_REPEAT_SHARE))
		throw new Error(`repeatShare must be between 0 and ${MAX_REPEAT_SHARE} (got ${share})`);
	if (!Number.isInteger(gap) || gap < 1)
		throw new Error(`minRepeatGap must be a whole number of at least 1 (got ${gap})`);
	return { share, gap };
}
