import { describe, expect, it } from 'vitest';
import { describe as describeSample, quantileSorted, summarizeByGroup } from './descriptive';
import { expectClose, reference, type Num } from '../../../tests/support/stats-reference';

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

type DescribeCase = { x: number[]; expected: Record<string, Num> };

describe('describe against R mean/sd/var/median/quantile(type = 7)/IQR', () => {
	it.each((reference.describe as DescribeCase[]).map((c, i) => ({ ...c, i })))(
		'case $i (n = ${x.length})',
		({ x, expected }) => {
			const got = describeSample(x);
			expect(got.n).toBe(expected.n);
			for (const key of ['sd', 'variance'] as const) {
				if (expected[key] === null) expect(got[key]).toBeNull();
				else expectClose(got[key]!, expected[key]!, key, 1e-14);
			}
			for (const key of ['mean', 'median', 'q1', 'q3', 'iqr'] as const) {
				expectClose(got[key], expected[key]!, key, 1e-14);
			}
		}
	);

	it('reports empty input as n 0 with NaN location and null spread', () => {
		const got = describeSample([]);
		expect(got).toMatchObject({ n: 0, sd: null, variance: null });
		expect(got.mean).toBeNaN();
		expect(got.median).toBeNaN();
	});

	it('rejects non-finite values', () => {
		expect(() => describeSample([1, Number.NaN])).toThrow(RangeError);
	});
});

describe('quantileSorted (type 7)', () => {
	it('interpolates between order statistics', () => {
		// R: quantile(c(1, 2, 4, 7), c(0, 0.1, 0.5, 1), type = 7) = 1, 1.3, 3, 7
		expect([0, 0.1, 0.5, 1].map((p) => quantileSorted([1, 2, 4, 7], p))).toEqual([1, 1.3, 3, 7]);
		expect(quantileSorted([], 0.5)).toBeNaN();
	});
});
