import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { friedman } from './friedman';

// Reference values from tests/fixtures/make-reference.sh (R 4.2.2, psych 2.2.9, coin, SciPy
// 1.10.1, statsmodels 0.13.5). Non-finite numbers are "NaN"/"Infinity"/"-Infinity", R's NA null.
type Num = number | string | null;
const reference = JSON.parse(
	readFileSync(new URL('../../../tests/fixtures/stats-reference.json', import.meta.url), 'utf8')
);
const num = (v: Num): number => (v === null ? Number.NaN : Number(v));

/** Within 1e-9 relative; `absolute` only for statistics whose reference may be (near) 0. */
function expectClose(actual: number, expected: Num, label: string, absolute = 1e-300): void {
	const e = num(expected);
	const same = Object.is(actual, e) || (Number.isNaN(actual) && Number.isNaN(e));
	const diff = Math.abs(actual - e);
	const ok = same || diff <= 1e-9 * Math.abs(e) || diff <= absolute;
	expect(ok, `${label}: got ${actual}, reference ${e}`).toBe(true);
}
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
