import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { krippendorffAlpha, type AlphaLevel } from './krippendorff';

// Debian's R has no package for alpha, so the references are Krippendorff's own published worked
// examples and a second, independent formulation below.
const _ = null;

/** Krippendorff (2011), §C–F: 4 observers, 12 units, values 1–5, with missing data. */
const RELIABILITY_DATA = [
	[1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
	[1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
	[_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
	[1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _]
];

describe('krippendorffAlpha: Krippendorff (2011) worked examples', () => {
	it.each([
		['nominal', 0.743],
		['ordinal', 0.815],
		['interval', 0.849]
	] as [AlphaLevel, number][])('4 observers with missing data, %s α = %f', (level, published) => {
		expect(krippendorffAlpha(RELIABILITY_DATA, level)).toBeCloseTo(published, 3);
	});

	it('nominal α is exactly 113/152 (= 0.7434…)', () => {
		expect(krippendorffAlpha(RELIABILITY_DATA, 'nominal')).toBeCloseTo(113 / 152, 14);
	});

	it('§A binary data, two observers: α = 0.095', () => {
		const data = [
			[0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
			[1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
		];
		expect(krippendorffAlpha(data, 'nominal')).toBeCloseTo(0.095, 3);
	});

	it('§B nominal data, two observers (a…e coded 1…5): α = 0.692', () => {
		const data = [
			[1, 1, 2, 2, 4, 3, 3, 3, 5, 4, 4, 1],
			[2, 1, 2, 2, 2, 3, 3, 3, 5, 4, 4, 4]
		];
		expect(krippendorffAlpha(data, 'nominal')).toBeCloseTo(0.692, 3);
	});
});

/**
 * The pairwise-disagreement form of alpha (Krippendorff 2004, §11.3; Hayes & Krippendorff 2007):
 * α = 1 − D_o/D_e with D_o the mean disagreement over ordered pairs of values within units
 * (each unit weighted by 1/(m_u − 1)) and D_e the mean over all ordered pairs of pairable values
 * regardless of unit. No coincidence matrix: every pair of values is visited.
 */
function pairwiseAlpha(ratings: (number | null)[][], level: AlphaLevel): number {
	const units: number[][] = [];
	for (let u = 0; u < ratings[0]!.length; u++) {
		const vals = ratings.map((r) => r[u]).filter((v): v is number => v !== null);
		if (vals.length >= 2) units.push(vals);
	}
	const all = units.flat();
	const n = all.length;
	const rank = (v: number) => {
		// Ordinal metric: position of v by mid-rank within the pooled pairable values.
		const below = all.filter((w) => w < v).length;
		const equal = all.filter((w) => w === v).length;
		return below + equal / 2;
	};
	const delta = (a: number, b: number) => {
		if (level === 'nominal') return a === b ? 0 : 1;
		if (level === 'interval') return (a - b) ** 2;
		return (rank(a) - rank(b)) ** 2;
	};
	let observed = 0;
	for (const vals of units) {
		let s = 0;
		vals.forEach((a, i) => vals.forEach((b, j) => (s += i === j ? 0 : delta(a, b))));
		observed += s / (vals.length - 1);
	}
	let expected = 0;
	all.forEach((a, i) => all.forEach((b, j) => (expected += i === j ? 0 : delta(a, b))));
	return 1 - ((n - 1) * observed) / expected;
}

const ratingMatrix = fc
	.record({ raters: fc.integer({ min: 2, max: 6 }), units: fc.integer({ min: 1, max: 15 }) })
	.chain(({ raters, units }) =>
		fc.array(
			fc.array(fc.option(fc.integer({ min: 1, max: 4 }), { freq: 5, nil: null }), {
				minLength: units,
				maxLength: units
			}),
			{ minLength: raters, maxLength: raters }
		)
	);

describe('krippendorffAlpha against the pairwise-disagreement formulation', () => {
	it.each(['nominal', 'ordinal', 'interval'] as AlphaLevel[])('%s, random data', (level) => {
		fc.assert(
			fc.property(ratingMatrix, (m) => {
				const a = krippendorffAlpha(m, level);
				const b = pairwiseAlpha(m, level);
				if (Number.isNaN(b)) expect(a).toBeNaN();
				else expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
			}),
			{ numRuns: 300 }
		);
	});

	it('matches the published data at every level', () => {
		for (const level of ['nominal', 'ordinal', 'interval'] as AlphaLevel[]) {
			expect(krippendorffAlpha(RELIABILITY_DATA, level)).toBeCloseTo(
				pairwiseAlpha(RELIABILITY_DATA, level),
				13
			);
		}
	});
});

describe('krippendorffAlpha properties', () => {
	it('is 1 for perfect agreement and unchanged by an unused domain value', () => {
		expect(
			krippendorffAlpha(
				[
					[1, 2, 4],
					[1, 2, 4]
				],
				'ordinal'
			)
		).toBe(1);
		fc.assert(
			fc.property(
				ratingMatrix,
				fc.constantFrom<AlphaLevel>('nominal', 'ordinal', 'interval'),
				(m, level) => {
					const a = krippendorffAlpha(m, level);
					const b = krippendorffAlpha(m, level, [0, 1, 2, 3, 4, 5]);
					if (Number.isNaN(a)) expect(b).toBeNaN();
					else expect(b).toBeCloseTo(a, 12);
				}
			)
		);
	});

	it('is NaN when nothing is pairable or only one value occurs', () => {
		expect(
			krippendorffAlpha(
				[
					[1, null],
					[null, 2]
				],
				'nominal'
			)
		).toBeNaN();
		expect(
			krippendorffAlpha(
				[
					[3, 3],
					[3, 3]
				],
				'interval'
			)
		).toBeNaN();
	});

	it('rejects values outside the domain', () => {
		expect(() => krippendorffAlpha([[1, 5]], 'ordinal', [1, 2, 3, 4])).toThrow(RangeError);
	});
});
