// Over 300 lines: the property tests of every design, beside designs.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
	buildDesign,
	pairwiseDesign,
	stratifiedOrder,
	type Assignment,
	type DesignItem,
	type DesignRater,
	type DesignSpec,
	type PairwiseAssignment
} from './designs';
import { seededRng, shuffle } from './random';

// Property runs build designs of up to 40 raters × 200 items; the slowest take ~0.5 s.
const SLOW = 180_000;
const RUNS = 200;

/** Items of `cases` cases × `checkpoints` checkpoints; `missing` drops outputs at random. */
function makeItems(cases: number, checkpoints: number, missing = 0, seed = ''): DesignItem[] {
	const rng = seededRng(`items/${seed}`);
	const items: DesignItem[] = [];
	for (let c = 0; c < cases; c++)
		for (let p = 0; p < checkpoints; p++)
			if (p === 0 || rng() >= missing)
				items.push({ id: `case${c}/cp${p}`, caseKey: `case${c}`, checkpointKey: `cp${p}` });
	return items;
}

function makeRaters(n: number): DesignRater[] {
	return Array.from({ length: n }, (_, i) => ({ id: `R${String(i + 1).padStart(2, '0')}` }));
}

/**
 * The property every design keeps: the same input gives the same design, whatever the order of
 * its items and raters. `pre` filters the generated cases (fc.pre).
 */
function orderFree<C extends { items: DesignItem[]; raters: DesignRater[] }>(
	cases: fc.Arbitrary<C>,
	build: (c: C) => unknown,
	pre: (c: C) => boolean = () => true
) {
	it(
		'is reproducible and ignores the order of its input',
		() => {
			fc.assert(
				fc.property(cases, fc.integer(), (c, shuffleSeed) => {
					fc.pre(pre(c));
					const a = build(c);
					const rng = seededRng(String(shuffleSeed));
					const items = shuffle(c.items, rng);
					expect(build({ ...c, items, raters: shuffle(c.raters, rng) })).toEqual(a);
				}),
				{ numRuns: RUNS }
			);
		},
		SLOW
	);
}

function groupBy<T>(list: readonly T[], key: (t: T) => string): Map<string, T[]> {
	const out = new Map<string, T[]>();
	for (const t of list) out.set(key(t), [...(out.get(key(t)) ?? []), t]);
	return out;
}

/** Positions sorted per rater. */
function sequencesOf<T extends { raterId: string; position: number }>(rows: readonly T[]) {
	const out = groupBy(rows, (r) => r.raterId);
	for (const list of out.values()) list.sort((a, b) => a.position - b.position);
	return out;
}

/** Largest |count of stratum s in the first t − t · share_s| over all prefixes (see designs.ts). */
function prefixDeviation(strata: readonly string[]): number {
	const total = new Map<string, number>();
	for (const s of strata) total.set(s, (total.get(s) ?? 0) + 1);
	const seen = new Map<string, number>();
	let worst = 0;
	strata.forEach((s, t) => {
		seen.set(s, (seen.get(s) ?? 0) + 1);
		for (const [key, n] of total)
			worst = Math.max(worst, Math.abs((seen.get(key) ?? 0) - ((t + 1) * n) / strata.length));
	});
	return worst;
}

function adjacentPairs(cases: readonly string[]): number {
	let n = 0;
	for (let i = 1; i < cases.length; i++) if (cases[i] === cases[i - 1]) n++;
	return n;
}

/** Whether some order of these cases keeps equal cases apart: no case over ⌈n / 2⌉. */
function separable(cases: readonly string[]): boolean {
	const counts = groupBy(cases, (c) => c);
	return Math.max(...[...counts.values()].map((l) => l.length)) <= Math.ceil(cases.length / 2);
}

function overlapRange(sets: readonly Set<string>[]) {
	let min = Infinity;
	let max = -Infinity;
	for (let a = 0; a < sets.length; a++)
		for (let b = a + 1; b < sets.length; b++) {
			let n = 0;
			for (const x of sets[a]!) if (sets[b]!.has(x)) n++;
			min = Math.min(min, n);
			max = Math.max(max, n);
		}
	return sets.length < 2 ? { min: 0, max: 0 } : { min, max };
}

const designCase = fc
	.record({
		raters: fc.integer({ min: 1, max: 40 }),
		checkpoints: fc.integer({ min: 1, max: 5 }),
		cases: fc.integer({ min: 1, max: 200 }),
		missing: fc.constantFrom(0, 0, 0.3),
		kShare: fc.double({ min: 0, max: 1, noNaN: true }),
		fullyCrossed: fc.boolean(),
		seed: fc.string({ maxLength: 12 }),
		repeatShare: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.5, noNaN: true })),
		minRepeatGap: fc.integer({ min: 2, max: 8 })
	})
	.map((c) => {
		const items = makeItems(
			Math.min(c.cases, Math.floor(200 / c.checkpoints)),
			c.checkpoints,
			c.missing,
			c.seed
		);
		const k = Math.min(c.raters, 1 + Math.floor(c.kShare * c.raters));
		const spec: DesignSpec = c.fullyCrossed
			? { type: 'fully-crossed' }
			: { type: 'balanced', ratersPerItem: k };
		const opts = { seed: c.seed, repeatShare: c.repeatShare, minRepeatGap: c.minRepeatGap };
		return { items, raters: makeRaters(c.raters), spec, opts };
	});

/** Checks every invariant of a design against its input and report. */
function checkDesign(
	items: DesignItem[],
	raters: DesignRater[],
	spec: DesignSpec,
	opts: { seed: string; repeatShare: number; minRepeatGap: number },
	assignments: Assignment[],
	report: ReturnType<typeof buildDesign>['report']
) {
	const byId = new Map(items.map((i) => [i.id, i]));
	const seqs = sequencesOf(assignments);
	const k = spec.type === 'fully-crossed' ? raters.length : spec.ratersPerItem;
	const firstSets: Set<string>[] = [];
	let wantedRepeats = 0;
	let repeats = 0;
	let adjacent = 0;
	let deviation = 0;
	const ratersOfItem = new Map<string, number>();
	const perCheckpoint = new Map<string, number[]>();
	for (const rater of raters) {
		const seq = seqs.get(rater.id) ?? [];
		expect(seq.map((a) => a.position)).toEqual(seq.map((_, i) => i));
		const firsts = seq.filter((a) => a.repeatOf === null);
		const set = new Set(firsts.map((a) => a.itemId));
		expect(set.size).toBe(firsts.length);
		firstSets.push(set);
		for (const id of set) ratersOfItem.set(id, (ratersOfItem.get(id) ?? 0) + 1);
		const cps = groupBy([...set], (id) => byId.get(id)!.checkpointKey);
		for (const [cp, list] of cps)
			perCheckpoint.set(cp, [...(perCheckpoint.get(cp) ?? []), list.length]);

		const repeated = new Set<string>();
		for (const a of seq) {
			if (a.repeatOf === null) continue;
			const first = seq[a.repeatOf]!;
			expect(first.itemId).toBe(a.itemId);
			expect(first.repeatOf).toBeNull();
			expect(a.position - a.repeatOf).toBeGreaterThanOrEqual(opts.minRepeatGap);
			expect(repeated.has(a.itemId)).toBe(false);
			repeated.add(a.itemId);
		}
		repeats += repeated.size;
		wantedRepeats += Math.round(opts.repeatShare * firsts.length);

		const cases = seq.map((a) => byId.get(a.itemId)!.caseKey);
		const clashes = adjacentPairs(cases);
		if (separable(cases)) expect(clashes).toBe(0);
		adjacent += clashes;
		deviation = Math.max(
			deviation,
			prefixDeviation(seq.map((a) => byId.get(a.itemId)!.checkpointKey))
		);
	}
	// Every item has exactly k raters; workloads and checkpoint counts differ by at most 1.
	for (const item of items) expect(ratersOfItem.get(item.id)).toBe(k);
	const loads = firstSets.map((s) => s.size);
	expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
	expect(report.workload).toEqual({ min: Math.min(...loads), max: Math.max(...loads) });
	let checkpointSpread = 0;
	for (const counts of perCheckpoint.values()) {
		const all = [...counts, ...Array<number>(raters.length - counts.length).fill(0)];
		checkpointSpread = Math.max(checkpointSpread, Math.max(...all) - Math.min(...all));
	}
	expect(report.checkpointSpread).toBe(checkpointSpread);
	expect(checkpointSpread).toBeLessThanOrEqual(1);
	const overlap = overlapRange(firstSets);
	expect({ min: report.pairOverlap.min, max: report.pairOverlap.max }).toEqual(overlap);
	expect(report.repeats).toBe(repeats);
	expect(report.repeats + report.repeatsShort).toBe(wantedRepeats);
	expect(report.adjacentSameCase).toBe(adjacent);
	expect(report.positionBalance.maxDeviation).toBeCloseTo(deviation, 5);
	return { overlapSpread: overlap.max - overlap.min, deviation };
}

describe('buildDesign', () => {
	it(
		'keeps every invariant over random sizes, specs and seeds',
		() => {
			fc.assert(
				fc.property(designCase, ({ items, raters, spec, opts }) => {
					const { assignments, report } = buildDesign(items, raters, spec, opts);
					const { overlapSpread, deviation } = checkDesign(
						items,
						raters,
						spec,
						opts,
						assignments,
						report
					);
					const k = spec.type === 'balanced' ? spec.ratersPerItem : raters.length;
					const equalLoads = (items.length * k) % raters.length === 0;
					// Exact cases: no pairs to balance, all raters share everything, or (k = R − 1)
					// each item misses one rater, so equal loads give equal overlaps.
					if (k === 1 || k === raters.length) expect(overlapSpread).toBe(0);
					if (k === raters.length - 1 && equalLoads) expect(overlapSpread).toBe(0);
					if (k === 2) expect(overlapSpread).toBeLessThanOrEqual(1);
					// Elsewhere best effort (see the JSDoc); this bound guards against regressions.
					expect(overlapSpread).toBeLessThanOrEqual(4);
					expect(deviation).toBeLessThanOrEqual(opts.repeatShare > 0 ? 3.5 : 2.5);
				}),
				{ numRuns: RUNS }
			);
		},
		SLOW
	);

	orderFree(designCase, (c) => buildDesign(c.items, c.raters, c.spec, { ...c.opts }));

	it(
		'gives raters different sequences, and another seed gives another design',
		() => {
			fc.assert(
				fc.property(
					fc.integer({ min: 2, max: 40 }),
					fc.integer({ min: 3, max: 60 }),
					fc.integer({ min: 2, max: 4 }),
					fc.string({ maxLength: 8 }),
					(nRaters, cases, checkpoints, seed) => {
						const items = makeItems(cases, checkpoints);
						const raters = makeRaters(nRaters);
						const spec = { type: 'fully-crossed' } as const;
						const { assignments } = buildDesign(items, raters, spec, { seed });
						const orders = [...sequencesOf(assignments).values()].map((s) =>
							s.map((a) => a.itemId).join()
						);
						expect(new Set(orders).size).toBe(nRaters);
						const other = buildDesign(items, raters, spec, { seed: `${seed}'` });
						expect(other.assignments).not.toEqual(assignments);
					}
				),
				{ numRuns: RUNS }
			);
		},
		SLOW
	);

	it('spreads checkpoints far more evenly than a plain shuffle', () => {
		const items = makeItems(100, 2);
		const { report } = buildDesign(items, makeRaters(10), { type: 'fully-crossed' }, { seed: 's' });
		const rng = seededRng('plain');
		let plain = 0;
		for (let r = 0; r < 10; r++)
			plain = Math.max(plain, prefixDeviation(shuffle(items, rng).map((i) => i.checkpointKey)));
		expect(report.positionBalance.maxDeviation).toBeLessThan(2);
		expect(plain).toBeGreaterThan(4);
	});

	it('meets the exact targets where a balanced design exists', () => {
		const threePerItem = (items: DesignItem[], raters: number, seed: string) =>
			buildDesign(items, makeRaters(raters), { type: 'balanced', ratersPerItem: 3 }, { seed });
		// 7 raters, k = 3, 7 items: the Fano plane, every pair shares exactly one item.
		const fano = threePerItem(makeItems(7, 1), 7, 'fano');
		expect(fano.report.pairOverlap).toEqual({ min: 1, max: 1, mean: 1 });
		// 6 raters, k = 3, 20 items: all 3-subsets, λ = 4.
		const all = threePerItem(makeItems(10, 2), 6, 'pairs');
		expect(all.report.pairOverlap).toEqual({ min: 4, max: 4, mean: 4 });
		expect(all.report.workload).toEqual({ min: 10, max: 10 });
	});

	it('places the requested repeats in long sequences', () => {
		const items = makeItems(40, 3);
		const { report } = buildDesign(
			items,
			makeRaters(4),
			{ type: 'balanced', ratersPerItem: 2 },
			{ seed: 'rep', repeatShare: 0.2 }
		);
		expect(report.repeats).toBe(4 * 12);
		expect(report.repeatsShort).toBe(0);
		expect(report.adjacentSameCase).toBe(0);
	});

	it('counts clashes it cannot avoid', () => {
		// One case holds 3 of 4 items: at least one clash in every order.
		const items: DesignItem[] = [
			{ id: 'a1', caseKey: 'a', checkpointKey: 'x' },
			{ id: 'a2', caseKey: 'a', checkpointKey: 'y' },
			{ id: 'a3', caseKey: 'a', checkpointKey: 'z' },
			{ id: 'b1', caseKey: 'b', checkpointKey: 'x' }
		];
		const { report } = buildDesign(items, makeRaters(1), { type: 'fully-crossed' }, { seed: 'x' });
		expect(report.adjacentSameCase).toBe(1);
	});

	it('rejects impossible specs with a clear message', () => {
		const items = makeItems(3, 2);
		const raters = makeRaters(3);
		const seed = { seed: 's' };
		const balanced = (k: number): DesignSpec => ({ type: 'balanced', ratersPerItem: k });
		expect(() => buildDesign([], raters, balanced(1), seed)).toThrow(/at least one item/);
		expect(() => buildDesign(items, [], balanced(1), seed)).toThrow(/at least one rater/);
		expect(() => buildDesign(items, raters, balanced(4), seed)).toThrow(/exceeds the number/);
		expect(() => buildDesign(items, raters, balanced(0), seed)).toThrow(/at least 1/);
		expect(() => buildDesign(items, raters, balanced(1.5), seed)).toThrow(/whole number/);
		expect(() => buildDesign([...items, items[0]!], raters, balanced(1), seed)).toThrow(
			/Duplicate item id/
		);
		expect(() => buildDesign(items, raters, balanced(1), { seed: 's', repeatShare: 0.6 })).toThrow(
			/repeatShare/
		);
		expect(() => buildDesign(items, raters, balanced(1), { seed: 's', minRepeatGap: 0 })).toThrow(
			/minRepeatGap/
		);
	});

	it('pins a small design, so rounds stay reproducible across releases', () => {
		const { assignments } = buildDesign(
			makeItems(3, 2),
			makeRaters(2),
			{ type: 'fully-crossed' },
			{ seed: 'pin', repeatShare: 0.35, minRepeatGap: 3 }
		);
		const lines = [...sequencesOf(assignments)].map(
			([r, seq]) =>
				`${r}: ${seq.map((a) => (a.repeatOf === null ? a.itemId : `${a.itemId}@${a.repeatOf}`)).join(' ')}`
		);
		// Pinned again when orders became constrained random shuffles (issue 18): rounds opened
		// before keep their stored assignments; only new designs use the mixed orders.
		expect(lines).toEqual([
			'R01: case1/cp0 case2/cp0 case0/cp1 case1/cp1 case2/cp0@1 case0/cp0 case1/cp0@0 case2/cp1',
			'R02: case2/cp0 case0/cp1 case1/cp0 case2/cp1 case0/cp1@1 case1/cp1 case2/cp0@0 case0/cp0'
		]);
	});
});

describe('stratifiedOrder', () => {
	it('is the fully crossed order of buildDesign for the same seed', () => {
		const items = makeItems(20, 3);
		const { assignments } = buildDesign(
			items,
			makeRaters(3),
			{ type: 'fully-crossed' },
			{ seed: 'S' }
		);
		const fromDesign = sequencesOf(assignments)
			.get('R02')!
			.map((a) => a.itemId);
		expect(stratifiedOrder(items, 'S/order/R02').map((i) => i.id)).toEqual(fromDesign);
	});
});

/** Unordered key of a comparison. */
const pairKey = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);

function expectedComparisons(items: DesignItem[]): Set<string> {
	const out = new Set<string>();
	for (const list of groupBy(items, (i) => i.caseKey).values())
		for (const a of list)
			for (const b of list) if (a.checkpointKey < b.checkpointKey) out.add(pairKey(a.id, b.id));
	return out;
}

function sideImbalance(rows: readonly PairwiseAssignment[], byId: Map<string, DesignItem>) {
	const vertex = new Map<string, number>();
	const pair = new Map<string, number>();
	for (const r of rows) {
		const left = byId.get(r.leftItemId)!.checkpointKey;
		const right = byId.get(r.rightItemId)!.checkpointKey;
		vertex.set(left, (vertex.get(left) ?? 0) + 1);
		vertex.set(right, (vertex.get(right) ?? 0) - 1);
		const key = left < right ? `${left}|${right}` : `${right}|${left}`;
		pair.set(key, (pair.get(key) ?? 0) + (left < right ? 1 : -1));
	}
	const max = (m: Map<string, number>) => Math.max(0, ...[...m.values()].map(Math.abs));
	return { vertex: max(vertex), pair: max(pair) };
}

describe('pairwiseDesign', () => {
	const pairwiseCase = fc
		.record({
			raters: fc.integer({ min: 1, max: 40 }),
			checkpoints: fc.integer({ min: 2, max: 5 }),
			cases: fc.integer({ min: 1, max: 30 }),
			missing: fc.constantFrom(0, 0.25),
			kShare: fc.double({ min: 0, max: 1, noNaN: true }),
			fullyCrossed: fc.boolean(),
			seed: fc.string({ maxLength: 12 })
		})
		.map((c) => ({
			items: makeItems(c.cases, c.checkpoints, c.missing, c.seed),
			raters: makeRaters(c.raters),
			spec: (c.fullyCrossed
				? { type: 'fully-crossed' }
				: {
						type: 'balanced',
						ratersPerItem: Math.min(c.raters, 1 + Math.floor(c.kShare * c.raters))
					}) as DesignSpec,
			seed: c.seed
		}));

	it(
		'forms every comparison, assigns it k times and balances sides',
		() => {
			fc.assert(
				fc.property(pairwiseCase, ({ items, raters, spec, seed }) => {
					const byId = new Map(items.map((i) => [i.id, i]));
					const expected = expectedComparisons(items);
					fc.pre(expected.size > 0);
					const { comparisons, report } = pairwiseDesign(items, raters, { seed, spec });
					expect(report.comparisons).toBe(expected.size);
					const k = spec.type === 'balanced' ? spec.ratersPerItem : raters.length;
					const count = new Map<string, number>();
					const seqs = sequencesOf(comparisons);
					let adjacent = 0;
					let maxRater = 0;
					let maxRaterPair = 0;
					const sets: Set<string>[] = [];
					for (const rater of raters) {
						const seq = seqs.get(rater.id) ?? [];
						expect(seq.map((c) => c.position)).toEqual(seq.map((_, i) => i));
						const keys = new Set<string>();
						for (const c of seq) {
							const [l, r] = [byId.get(c.leftItemId)!, byId.get(c.rightItemId)!];
							expect(l.caseKey).toBe(r.caseKey);
							expect(l.checkpointKey).not.toBe(r.checkpointKey);
							const key = pairKey(l.id, r.id);
							expect(expected.has(key)).toBe(true);
							expect(keys.has(key)).toBe(false);
							keys.add(key);
							count.set(key, (count.get(key) ?? 0) + 1);
						}
						sets.push(keys);
						const cases = seq.map((c) => byId.get(c.leftItemId)!.caseKey);
						if (separable(cases)) expect(adjacentPairs(cases)).toBe(0);
						adjacent += adjacentPairs(cases);
						const side = sideImbalance(seq, byId);
						expect(side.vertex).toBeLessThanOrEqual(1);
						expect(side.pair).toBeLessThanOrEqual(1);
						maxRater = Math.max(maxRater, side.vertex);
						maxRaterPair = Math.max(maxRaterPair, side.pair);
					}
					for (const key of expected) expect(count.get(key)).toBe(k);
					const loads = sets.map((s) => s.size);
					expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
					expect(report.workload).toEqual({ min: Math.min(...loads), max: Math.max(...loads) });
					const overlap = overlapRange(sets);
					expect({ min: report.pairOverlap.min, max: report.pairOverlap.max }).toEqual(overlap);
					expect(report.adjacentSameCase).toBe(adjacent);
					const overall = sideImbalance(comparisons, byId);
					expect(report.leftRight).toEqual({
						maxRaterImbalance: maxRater,
						maxOverallImbalance: overall.vertex,
						maxRaterPairImbalance: maxRaterPair,
						maxOverallPairImbalance: overall.pair
					});
					// Measured worst over many seeds is 3; the guard leaves a little room.
					expect(overall.vertex).toBeLessThanOrEqual(4);
					expect(overall.pair).toBeLessThanOrEqual(4);
				}),
				{ numRuns: RUNS }
			);
		},
		SLOW
	);

	orderFree(
		pairwiseCase,
		(c) => pairwiseDesign(c.items, c.raters, { seed: c.seed, spec: c.spec }),
		(c) => expectedComparisons(c.items).size > 0
	);

	it('puts each checkpoint left half of the time in a two-checkpoint study', () => {
		const items = makeItems(30, 2);
		const byId = new Map(items.map((i) => [i.id, i]));
		const { comparisons, report } = pairwiseDesign(items, makeRaters(5), { seed: 'lr' });
		for (const seq of sequencesOf(comparisons).values()) {
			const left = seq.filter((c) => byId.get(c.leftItemId)!.checkpointKey === 'cp0').length;
			expect(left).toBe(15);
		}
		expect(report.leftRight.maxOverallImbalance).toBe(0);
	});

	it('rejects rounds without anything to compare', () => {
		expect(() => pairwiseDesign(makeItems(5, 1), makeRaters(2), { seed: 's' })).toThrow(
			/No case has outputs of two different checkpoints/
		);
	});
});
