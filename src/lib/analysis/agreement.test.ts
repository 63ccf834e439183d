import { describe, expect, it } from 'vitest';
import {
	agreementWithin,
	exactAgreement,
	withinOneAgreement,
	type AgreementResult
} from './agreement';
import { expectClose, reference, type Num } from '../../../tests/support/stats-reference';

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
