import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
	agreementWithin,
	exactAgreement,
	withinOneAgreement,
	type AgreementResult
} from './agreement';

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
interface AgreementCase {
	name: string;
	ratings: (number | null)[][];
	expected: {
		exact: Record<keyof AgreementResult, Num>;
		withinOne: Record<keyof AgreementResult, Num>;
	};
}

function expectResult(got: AgreementResult, e: Record<keyof AgreementResult, Num>, label: string) {
	expect(got.agreeing, label).toBe(e.agreeing);
	expect(got.pairs, label).toBe(e.pairs);
	expect(got.items, label).toBe(e.items);
	expectClose(got.proportion, e.proportion, `${label} proportion`);
}

describe('exactAgreement / withinOneAgreement against a direct R computation', () => {
	it.each(reference.agreement as AgreementCase[])('$name', ({ ratings, expected }) => {
		expectResult(exactAgreement(ratings), expected.exact, 'exact');
		expectResult(withinOneAgreement(ratings), expected.withinOne, 'within one');
	});

	it('counts pairs of raters per item for two raters as the share of items rated alike', () => {
		expect(
			exactAgreement([
				[1, 2, 3, 4],
				[1, 3, 3, 2]
			])
		).toEqual({
			proportion: 0.5,
			agreeing: 2,
			pairs: 4,
			items: 4
		});
		expect(
			withinOneAgreement([
				[1, 2, 3, 4],
				[1, 3, 3, 2]
			]).proportion
		).toBe(0.75);
	});

	it('is NaN with no pairable item and rejects a negative tolerance', () => {
		expect(
			exactAgreement([
				[1, null],
				[null, 2]
			]).proportion
		).toBeNaN();
		expect(() => agreementWithin([[1]], -1)).toThrow(RangeError);
	});
});
