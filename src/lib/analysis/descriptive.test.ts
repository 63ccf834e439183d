import { describe, expect, it } from 'vitest';
import { summarizeByGroup } from './descriptive';

describe('summarizeByGroup', () => {
	it('computes n, mean and sample SD per group and dimension', () => {
		const rows = [
			{ group: 'a', dimension: 'x', score: 1 },
			{ group: 'a', dimension: 'x', score: 2 },
			{ group: 'a', dimension: 'x', score: 4 },
			{ group: 'b', dimension: 'x', score: 3 }
		];
		const out = summarizeByGroup(rows, ['a', 'b'], ['x', 'y']);
		expect(out).toHaveLength(4);
		expect(out[0]).toMatchObject({ group: 'a', dimension: 'x', n: 3 });
		expect(out[0]!.mean).toBeCloseTo(7 / 3, 12);
		// R: sd(c(1, 2, 4)) = 1.527525231651947
		expect(out[0]!.sd).toBeCloseTo(1.527525231651947, 12);
		expect(out[1]).toMatchObject({ group: 'a', dimension: 'y', n: 0, sd: null });
		expect(out[1]!.mean).toBeNaN();
		expect(out[2]).toMatchObject({ group: 'b', n: 1, mean: 3, sd: null });
	});
});
