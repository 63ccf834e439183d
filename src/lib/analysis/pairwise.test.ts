import { describe, expect, it } from 'vitest';
import reference from '../../../tests/fixtures/pairwise-reference.json';
import { normalQuantile } from './distributions';
import oneSided from '../../../tests/fixtures/preregistered-reference.json';
import {
	bradleyTerry,
	signTest,
	signTestGreater,
	wilsonInterval,
	type PairwiseComparison
} from './pairwise';

const relativeError = (got: number, want: number) =>
	want === 0 ? Math.abs(got) : Math.abs(got - want) / Math.abs(want);

// wilsonInterval takes z from distributions.ts; this guards that dependency at the accuracy the
// Wilson comparison below needs.
describe('normalQuantile (used for Wilson z)', () => {
	it(`matches R ${reference.R} qnorm at ${reference.qnorm.length} probabilities`, () => {
		for (const { p, z } of reference.qnorm) {
			expect(relativeError(normalQuantile(p), z), `qnorm(${p})`).toBeLessThan(1e-15);
		}
		expect(normalQuantile(0)).toBe(-Infinity);
		expect(normalQuantile(1)).toBe(Infinity);
		expect(normalQuantile(1.5)).toBeNaN();
	});
});

describe('signTestGreater', () => {
	it(`matches R ${oneSided.R} binom.test(alternative = "greater") at ${oneSided.signTestGreater.length} counts`, () => {
		for (const { wins, losses, p } of oneSided.signTestGreater)
			expect(relativeError(signTestGreater(wins, losses), p), `${wins}:${losses}`).toBeLessThan(
				1e-13
			);
	});

	it('is exact on small counts and 1 without a decisive judgement', () => {
		expect(signTestGreater(5, 0)).toBe(1 / 32);
		expect(signTestGreater(0, 5)).toBe(1);
		expect(signTestGreater(8, 2)).toBe(56 / 1024);
		expect(signTestGreater(0, 0)).toBe(1);
		expect(() => signTestGreater(-1, 2)).toThrow(RangeError);
	});
});

describe('signTest', () => {
	it('gives hand-computed exact p-values', () => {
		// 5 wins, 0 losses: 2 · (1/2)^5.
		expect(signTest(5, 0)).toBe(2 / 32);
		// 8 vs 2: 2 · (1 + 10 + 45) / 1024.
		expect(signTest(8, 2)).toBe(112 / 1024);
		expect(signTest(2, 8)).toBe(signTest(8, 2));
		expect(signTest(6, 6)).toBe(1);
		expect(signTest(4, 5)).toBe(1);
		expect(signTest(0, 0)).toBe(1);
	});

	it('rejects non-integer or negative counts', () => {
		expect(() => signTest(1.5, 2)).toThrow(RangeError);
		expect(() => signTest(-1, 2)).toThrow(RangeError);
	});

	it(`matches R binom.test on ${reference.signTest.length} win/loss pairs`, () => {
		let max = 0;
		for (const { wins, losses, p } of reference.signTest) {
			const err = relativeError(signTest(wins, losses), p);
			max = Math.max(max, err);
			expect(err, `binom.test(${wins}, ${wins + losses})`).toBeLessThan(1e-12);
		}
		expect(max).toBeLessThan(1e-12);
	});
});

describe('wilsonInterval', () => {
	it('gives a hand-checkable interval', () => {
		// 0 of 10 at 95 %: lower 0, upper z²/(n + z²) with z = 1.959963984540054.
		const z = 1.959963984540054;
		const ci = wilsonInterval(0, 10);
		expect(ci.lower).toBe(0);
		expect(ci.upper).toBeCloseTo((z * z) / (10 + z * z), 15);
		expect(wilsonInterval(10, 10).upper).toBe(1);
		// Symmetric around 1/2 for x = n/2.
		const half = wilsonInterval(5, 10);
		expect(half.estimate).toBe(0.5);
		expect(half.lower + half.upper).toBeCloseTo(1, 15);
	});

	it('handles n = 0 and rejects invalid input', () => {
		expect(wilsonInterval(0, 0)).toEqual({ estimate: Number.NaN, lower: 0, upper: 1 });
		expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
		expect(() => wilsonInterval(1, 2, 1)).toThrow(RangeError);
	});

	it(`matches R prop.test(correct = FALSE) on ${reference.wilson.length} intervals`, () => {
		for (const { successes, n, confidence, lower, upper } of reference.wilson) {
			const ci = wilsonInterval(successes, n, confidence);
			const what = `prop.test(${successes}, ${n}, ${confidence})`;
			expect(relativeError(ci.lower, lower), what).toBeLessThan(1e-13);
			expect(relativeError(ci.upper, upper), what).toBeLessThan(1e-13);
		}
	});
});

describe('bradleyTerry', () => {
	it('solves two items by hand: 3 wins to 1 gives 0.75 / 0.25', () => {
		const comparisons: PairwiseComparison[] = [
			{ a: 'A', b: 'B', winner: 'a' },
			{ a: 'A', b: 'B', winner: 'a' },
			{ a: 'B', b: 'A', winner: 'b' },
			{ a: 'B', b: 'A', winner: 'a' }
		];
		const r = bradleyTerry(comparisons);
		expect(r.strengths['A']).toBeCloseTo(0.75, 12);
		expect(r.strengths['B']).toBeCloseTo(0.25, 12);
		expect(r.wins).toEqual({ A: 3, B: 1 });
		expect(r.converged).toBe(true);
		expect(r.identifiable).toBe(true);
	});

	it('counts a tie as half a win for each side', () => {
		const r = bradleyTerry([
			{ a: 'A', b: 'B', winner: 'tie' },
			{ a: 'A', b: 'B', winner: 'a' }
		]);
		// 1.5 wins to 0.5 → 0.75 / 0.25.
		expect(r.wins).toEqual({ A: 1.5, B: 0.5 });
		expect(r.strengths['A']).toBeCloseTo(0.75, 12);
	});

	it('flags data without a finite estimate', () => {
		const r = bradleyTerry(
			[
				{ a: 'A', b: 'B', winner: 'a' },
				{ a: 'B', b: 'C', winner: 'a' }
			],
			{ maxIterations: 200 }
		);
		expect(r.identifiable).toBe(false);
		expect(r.strengths['C']).toBe(0);
		expect(r.converged).toBe(false);
	});

	it('handles empty input and rejects self-comparisons', () => {
		expect(bradleyTerry([])).toMatchObject({ strengths: {}, converged: true });
		expect(() => bradleyTerry([{ a: 'A', b: 'A', winner: 'a' }])).toThrow(RangeError);
	});

	it(`matches R glm on ${reference.bradleyTerry.length} data sets`, () => {
		for (const c of reference.bradleyTerry) {
			const r = bradleyTerry(c.comparisons as PairwiseComparison[]);
			expect(r.converged, c.name).toBe(true);
			expect(r.identifiable, c.name).toBe(true);
			const sum = Object.values(r.strengths).reduce((a, b) => a + b, 0);
			expect(sum).toBeCloseTo(1, 14);
			for (const [name, want] of Object.entries(c.strengths)) {
				expect(relativeError(r.strengths[name]!, want), `${c.name} ${name}`).toBeLessThan(1e-9);
			}
		}
	});
});
