import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adjacentSameCase, raterOrder, type OrderItem } from './order';
import { seededRng, shuffle } from './random';

function itemsFor(cases: number, perCase: number): OrderItem[] {
	const items: OrderItem[] = [];
	for (let c = 0; c < cases; c++)
		for (let k = 0; k < perCase; k++) items.push({ id: `c${c}-k${k}`, caseKey: `c${c}` });
	return items;
}

describe('seededRng', () => {
	it('is reproducible and seed-dependent', () => {
		const a = seededRng('study-1/R01');
		const b = seededRng('study-1/R01');
		const c = seededRng('study-1/R02');
		const xs = Array.from({ length: 5 }, () => a());
		expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
		expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs);
		for (const x of xs) {
			expect(x).toBeGreaterThanOrEqual(0);
			expect(x).toBeLessThan(1);
		}
	});

	it('pins the first values, so orders stay the same across releases', () => {
		const rng = seededRng('blindeval');
		expect(Array.from({ length: 3 }, () => rng().toFixed(8))).toMatchInlineSnapshot(`
			[
			  "0.62578352",
			  "0.91946005",
			  "0.13591361",
			]
		`);
	});

	it('shuffles uniformly enough: each of 3! orders appears about equally often', () => {
		const rng = seededRng('uniformity');
		const counts = new Map<string, number>();
		for (let i = 0; i < 6000; i++) {
			const key = shuffle(['a', 'b', 'c'], rng).join('');
			counts.set(key, (counts.get(key) ?? 0) + 1);
		}
		expect(counts.size).toBe(6);
		for (const n of counts.values()) expect(Math.abs(n - 1000)).toBeLessThan(120);
	});
});

describe('raterOrder', () => {
	it('is a permutation, reproducible per seed, different across seeds', () => {
		const items = itemsFor(12, 2);
		const a = raterOrder(items, 'demo/round-1/R01');
		expect(raterOrder(items, 'demo/round-1/R01')).toEqual(a);
		expect(raterOrder(items, 'demo/round-1/R02')).not.toEqual(a);
		expect(a.map((i) => i.id).sort()).toEqual(items.map((i) => i.id).sort());
	});

	it('never puts two items of the same case next to each other when avoidable', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 1, max: 30 }),
				fc.integer({ min: 1, max: 4 }),
				fc.string(),
				(cases, perCase, seed) => {
					const order = raterOrder(itemsFor(cases, perCase), seed);
					const possible = cases >= 2 || perCase === 1;
					if (possible) expect(adjacentSameCase(order)).toBe(0);
					expect(order).toHaveLength(cases * perCase);
				}
			),
			{ numRuns: 300 }
		);
	});

	it('handles uneven case sizes at the feasibility limit', () => {
		// 5 items of one case and 4 of others: only c0 x c0 x ... works.
		const items = [
			...itemsFor(1, 5),
			...itemsFor(5, 1)
				.map((i) => ({ ...i, id: `x${i.id}`, caseKey: `o${i.caseKey}` }))
				.slice(0, 4)
		];
		for (const seed of ['a', 'b', 'c', 'd'])
			expect(adjacentSameCase(raterOrder(items, seed))).toBe(0);
	});
});
