import { describe, expect, it } from 'vitest';
import { friedman } from './friedman';
import { expectClose, reference, type Num } from '../../../tests/support/stats-reference';

interface FriedmanCase {
	name: string;
	data: number[][];
	expected: { statistic: Num; df: number; pValue: Num };
	source: string;
}

describe('friedman against R friedman.test', () => {
	it.each(reference.friedman as FriedmanCase[])('$name', ({ data, expected }) => {
		const got = friedman(data);
		expect(got.df).toBe(expected.df);
		expectClose(got.statistic, expected.statistic, 'statistic', 1e-14);
		expectClose(got.pValue, expected.pValue, 'p');
	});

	it("gives R's documented value for the Hollander & Wolfe rounding data", () => {
		const c = (reference.friedman as FriedmanCase[]).find((x) => x.name === 'hollander-wolfe')!;
		// R ?friedman.test: Friedman chi-squared = 11.143, df = 2, p-value = 0.003805
		expect(friedman(c.data).statistic).toBeCloseTo(11.143, 3);
		expect(friedman(c.data).pValue).toBeCloseTo(0.003805, 6);
	});

	it('rejects ragged, one-column or empty input', () => {
		expect(() => friedman([[1, 2], [1]])).toThrow(RangeError);
		expect(() => friedman([[1], [2]])).toThrow(RangeError);
		expect(() => friedman([])).toThrow(RangeError);
	});
});
