import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
	averageRanks,
	signedRankFigures,
	wilcoxonSignedRank,
	type WilcoxonOptions
} from './wilcoxon';
import { expectClose, reference, type Num } from '../../../tests/support/stats-reference';

interface Variant {
	options: Required<WilcoxonOptions>;
	expected: {
		statistic: Num;
		pValue: Num;
		z: Num;
		n: number;
		method: 'exact' | 'approx';
		effectSize: Num;
	};
	source: string;
}
interface WilcoxonCase {
	name: string;
	x: number[];
	y: number[];
	variants: Variant[];
}

const cases = reference.wilcoxon as WilcoxonCase[];

describe('wilcoxonSignedRank against R wilcox.test and SciPy wilcoxon (Pratt)', () => {
	it.each(cases)('$name', ({ x, y, variants }) => {
		for (const { options, expected, source } of variants) {
			const label = `${JSON.stringify(options)} [${source}]`;
			const got = wilcoxonSignedRank(x, y, options);
			expect(got.method, label).toBe(expected.method);
			expect(got.n, label).toBe(expected.n);
			expectClose(got.statistic, expected.statistic, `${label} V`);
			expectClose(got.pValue, expected.pValue, `${label} p`);
			expectClose(got.effectSize, expected.effectSize, `${label} r`, 1e-14);
			if (expected.z === null) expect(got.z, label).toBeNull();
			else expectClose(got.z!, expected.z, `${label} z`, 1e-14);
		}
	});

	it('covers every option combination', () => {
		const seen = new Set(
			cases.flatMap((c) => c.variants.map((v) => JSON.stringify(Object.values(v.options))))
		);
		// 3 alternatives × 2 corrections × 3 methods × 2 zero methods
		expect(seen.size).toBe(36);
	});
});

describe('wilcoxonSignedRank behaviour', () => {
	it("gives the exact p-value of R's documentation example (Hollander & Wolfe)", () => {
		const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
		const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
		const res = wilcoxonSignedRank(x, y, { alternative: 'greater' });
		// R: V = 40, p-value = 0.01953 (= 10/512)
		expect(res).toMatchObject({ statistic: 40, method: 'exact', z: null, n: 9 });
		expect(res.pValue).toBe(10 / 512);
	});

	it('falls back to the normal approximation when exact is asked for with ties or zeros', () => {
		const res = wilcoxonSignedRank([1, 2, 3, 4], [0, 1, 2, 4], { method: 'exact' });
		expect(res.method).toBe('approx');
		expect(res.z).not.toBeNull();
	});

	it('reports NaN for a two-sided test when every difference is zero, as R', () => {
		const res = wilcoxonSignedRank([1, 2], [1, 2]);
		expect(res).toMatchObject({ statistic: 0, n: 0, effectSize: 0 });
		expect(res.pValue).toBeNaN();
	});

	it('mirrors: swapping x and y swaps the one-sided alternatives', () => {
		const pair = fc.array(
			fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
			{
				minLength: 1,
				maxLength: 60
			}
		);
		fc.assert(
			fc.property(pair, fc.boolean(), (pairs, correction) => {
				const x = pairs.map((p) => p[0]);
				const y = pairs.map((p) => p[1]);
				const g = wilcoxonSignedRank(x, y, { alternative: 'greater', correction });
				const l = wilcoxonSignedRank(y, x, { alternative: 'less', correction });
				expect(Object.is(g.pValue, l.pValue) || Math.abs(g.pValue - l.pValue) < 1e-15).toBe(true);
				expect(g.effectSize).toBeCloseTo(-wilcoxonSignedRank(y, x).effectSize, 14);
			})
		);
	});

	it('exact p-values are dyadic fractions k / 2^n', () => {
		fc.assert(
			fc.property(
				fc.uniqueArray(
					fc.integer({ min: -200, max: 200 }).filter((v) => v !== 0),
					{
						minLength: 1,
						maxLength: 20,
						selector: Math.abs
					}
				),
				(d) => {
					const res = wilcoxonSignedRank(
						d,
						d.map(() => 0),
						{ alternative: 'less' }
					);
					expect(res.method).toBe('exact');
					expect(Number.isInteger(res.pValue * 2 ** d.length)).toBe(true);
				}
			)
		);
	});

	it('rejects mismatched or empty input', () => {
		expect(() => wilcoxonSignedRank([1], [1, 2])).toThrow(RangeError);
		expect(() => wilcoxonSignedRank([], [])).toThrow(RangeError);
	});
});

describe('averageRanks', () => {
	it('gives tied values the mean of their ranks, as R rank()', () => {
		// R: rank(c(3, 1, 3, 2, 3)) = 4 1 4 2 4
		expect(averageRanks([3, 1, 3, 2, 3])).toEqual({ ranks: [4, 1, 4, 2, 4], tieSizes: [1, 1, 3] });
	});
});

describe('signedRankFigures', () => {
	it('reports the test and the differences of the pairs', () => {
		const x = [3, 4, 2, 5, 4];
		const y = [2, 2, 2, 3, 1];
		const w = wilcoxonSignedRank(x, y, { alternative: 'greater' });
		expect(signedRankFigures(x, y, 'greater', 'none')).toEqual({
			n: 5,
			ranked: 4,
			statistic: w.statistic,
			z: w.z,
			method: w.method,
			pValue: w.pValue,
			pHolm: null,
			effectSize: 1,
			// x − y = 1, 2, 0, 2, 3
			medianDifference: 2,
			meanDifference: 1.6,
			note: null
		});
	});

	it("gives p = 1 with a note when every difference is zero, and the caller's note without pairs", () => {
		const zero = signedRankFigures([2, 3], [2, 3], 'two-sided', 'none');
		expect(zero).toMatchObject({ n: 2, ranked: 0, pValue: 1, z: null, meanDifference: 0 });
		expect(zero.note).toBe('all differences are zero: p set to 1');
		const empty = signedRankFigures([], [], 'two-sided', 'no pair');
		expect(empty).toMatchObject({
			n: 0,
			ranked: 0,
			statistic: null,
			pValue: null,
			note: 'no pair'
		});
	});
});
