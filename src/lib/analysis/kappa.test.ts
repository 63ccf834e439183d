import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cohenKappa, fleissKappa, type KappaWeights } from './kappa';
import { expectClose, reference, type Num } from '../../../tests/support/stats-reference';

interface CohenCase {
	name: string;
	a: number[];
	b: number[];
	weights: KappaWeights;
	categories: number[] | null;
	expected: Num;
}
interface FleissCase {
	name: string;
	ratings: number[][];
	categories: number[] | null;
	expected: Num;
}

describe('cohenKappa against psych::cohen.kappa (and statsmodels cohens_kappa)', () => {
	it.each(reference.cohenKappa as CohenCase[])(
		'$name, $weights weights, categories $categories',
		({ a, b, weights, categories, expected }) => {
			const got = cohenKappa(a, b, { weights, categories: categories ?? undefined });
			expectClose(got, expected, 'kappa', 1e-14);
		}
	);

	it('counts an unused category between used ones in the weights', () => {
		// Nobody used 3: with the full scale, 2 and 4 are two steps apart, not one.
		const a = [1, 2, 4, 4, 2, 4, 1];
		const b = [1, 2, 2, 4, 4, 4, 2];
		expect(cohenKappa(a, b, { weights: 'linear', categories: [1, 2, 3, 4] })).toBeCloseTo(
			6 / 13,
			14
		);
		expect(cohenKappa(a, b, { weights: 'linear' })).toBeCloseTo(20 / 41, 14);
		// An unused value at the end only rescales the distances by 1/(k − 1), which cancels.
		const b2 = [1, 2, 3, 4, 1, 4, 2];
		expect(cohenKappa(a, b2, { weights: 'linear', categories: [1, 2, 3, 4, 5] })).toBeCloseTo(
			cohenKappa(a, b2, { weights: 'linear' }),
			14
		);
	});

	it('quadratic weights equal the consistency-free ICC identity (Fleiss & Cohen 1973)', () => {
		// Quadratic-weighted kappa = 2·s_ab / (s_a² + s_b² + (ā − b̄)²) with n-denominators.
		const pairs = fc.array(
			fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
			{
				minLength: 2,
				maxLength: 40
			}
		);
		fc.assert(
			fc.property(pairs, (ps) => {
				const a = ps.map((p) => p[0]);
				const b = ps.map((p) => p[1]);
				const n = a.length;
				const ma = a.reduce((s, v) => s + v, 0) / n;
				const mb = b.reduce((s, v) => s + v, 0) / n;
				const sab = a.reduce((s, v, i) => s + (v - ma) * (b[i]! - mb), 0) / n;
				const saa = a.reduce((s, v) => s + (v - ma) ** 2, 0) / n;
				const sbb = b.reduce((s, v) => s + (v - mb) ** 2, 0) / n;
				const denominator = saa + sbb + (ma - mb) ** 2;
				fc.pre(denominator > 0);
				const k = cohenKappa(a, b, { weights: 'quadratic', categories: [1, 2, 3, 4] });
				expect(k).toBeCloseTo((2 * sab) / denominator, 12);
			})
		);
	});

	it('is NaN when both raters used one and the same category', () => {
		expect(cohenKappa([2, 2], [2, 2])).toBeNaN();
	});

	it('rejects ratings outside the categories', () => {
		expect(() => cohenKappa([1, 5], [1, 2], { categories: [1, 2, 3, 4] })).toThrow(RangeError);
	});
});

describe('fleissKappa against statsmodels fleiss_kappa', () => {
	it.each(reference.fleissKappa as FleissCase[])(
		'$name, categories $categories',
		({ ratings, categories, expected }) => {
			expectClose(fleissKappa(ratings, categories ?? undefined), expected, 'kappa', 1e-14);
		}
	);

	it('gives the worked example of Fleiss (1971) as in the literature (κ = 0.210)', () => {
		const c = (reference.fleissKappa as FleissCase[]).find(
			(x) => x.name === 'fleiss-1971-wikipedia'
		)!;
		expect(fleissKappa(c.ratings)).toBeCloseTo(0.21, 3);
	});

	it("equals Scott's pi for two raters", () => {
		// For two raters Fleiss' kappa is Scott's pi: (p_o − p_e)/(1 − p_e) with pooled margins.
		const r = [
			[1, 2, 3, 3, 2],
			[1, 2, 2, 3, 1]
		];
		const pooled = [1, 2, 3].map((c) => r.flat().filter((v) => v === c).length / 10);
		const pe = pooled.reduce((s, p) => s + p * p, 0);
		expect(fleissKappa(r)).toBeCloseTo((3 / 5 - pe) / (1 - pe), 14);
	});

	it('rejects a single rater and ragged rows', () => {
		expect(() => fleissKappa([[1, 2]])).toThrow(RangeError);
		expect(() => fleissKappa([[1, 2], [1]])).toThrow(RangeError);
	});
});
