import { describe, expect, it } from 'vitest';
import { seededRng, shuffle } from './random';

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
