import { describe, expect, it } from 'vitest';
import { icc, type IccEstimate, type IccForm } from './icc';
import { expectClose, num, reference, type Num } from '../../../tests/support/stats-reference';

interface IccCase {
	name: string;
	ratings: number[][];
	expected: Record<IccForm, Record<keyof IccEstimate, Num>>;
}

const FORMS: IccForm[] = ['ICC1', 'ICC2', 'ICC3', 'ICC1k', 'ICC2k', 'ICC3k'];

describe('icc against psych::ICC(x, lmer = FALSE)', () => {
	it.each(reference.icc as IccCase[])('$name', ({ ratings, expected }) => {
		const got = icc(ratings);
		for (const form of FORMS) {
			const e = expected[form];
			const g = got[form];
			expect(g.df1, form).toBe(e.df1);
			expect(g.df2, form).toBe(e.df2);
			for (const key of ['value', 'lower', 'upper'] as const) {
				let absolute = 1e-13;
				if (form === 'ICC2k' && key !== 'value') {
					// ICC2k bounds are k·L/(1 + (k − 1)·L) of the ICC2 bound L: the map's relative
					// condition number 1/|1 + (k − 1)·L| (≈1e7 for n = 2 items) scales the tolerance.
					const k = ratings[0]!.length;
					const l = num(expected.ICC2[key]);
					absolute = 1e-9 * Math.abs(num(e[key])) * Math.max(1, 1 / Math.abs(1 + (k - 1) * l));
				}
				expectClose(g[key], e[key], `${form} ${key}`, absolute);
			}
			if (num(e.F) > 1e20) {
				// Zero residual mean square: psych's aov() leaves rounding noise (F ~ 1e32,
				// p ~ 1e-60) where the exact F is infinite and p is 0.
				expect(g.F, form).toBe(Infinity);
				expect(g.pValue, form).toBe(0);
				expect(num(e.pValue)).toBeLessThan(1e-40);
			} else {
				expectClose(g.F, e.F, `${form} F`);
				expectClose(g.pValue, e.pValue, `${form} p`);
			}
		}
	});

	it('reproduces Shrout & Fleiss (1979), Table 4', () => {
		const c = (reference.icc as IccCase[]).find((x) => x.name === 'shrout-fleiss-1979')!;
		const got = icc(c.ratings);
		// Published: ICC(1,1) .17, ICC(2,1) .29, ICC(3,1) .71, ICC(1,4) .44, ICC(2,4) .62, ICC(3,4) .91
		const published = [0.17, 0.29, 0.71, 0.44, 0.62, 0.91];
		FORMS.forEach((form, i) => expect(got[form].value).toBeCloseTo(published[i]!, 2));
	});

	it('rejects missing ratings and too small designs', () => {
		expect(() => icc([[1, 2]])).toThrow(RangeError);
		expect(() => icc([[1], [2]])).toThrow(RangeError);
		expect(() =>
			icc([
				[1, Number.NaN],
				[2, 3]
			])
		).toThrow(RangeError);
	});
});
