import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalCdf } from './distributions';
import {
	BudgetExceeded,
	expectedScore,
	finish,
	noetherCases,
	noetherPower,
	ordinalSampler,
	powerCurve,
	requiredCases,
	shiftedDistribution,
	type LatentModel,
	type PairSampler,
	type PowerDesign,
	type PowerTest
} from './power';
import { analyzeStudy, type RatingRow } from './study';
import { seededRng } from '../domain/random';
import { wilcoxonSignedRank } from './wilcoxon';

const MODEL: LatentModel = {
	scale: [1, 2, 3, 4],
	than: [0.2, 0.3, 0.3, 0.2],
	better: [0.1, 0.2, 0.4, 0.3],
	caseShare: 0.3,
	raterShare: 0.1,
	interactionShare: 0.2
};
const CROSSED: PowerDesign = { type: 'fully-crossed', raters: 3 };
const ONE_SIDED: PowerTest = { alpha: 0.05, alternative: 'greater', aggregate: 'mean' };

describe('powerCurve', () => {
	it('gives the same estimates for the same seed, and other ones for another seed', () => {
		const run = (seed: string) =>
			finish(powerCurve(ordinalSampler(MODEL, CROSSED, 'mean'), [10, 25], ONE_SIDED, 300, seed));
		const a = run('plan-1');
		expect(run('plan-1')).toEqual(a);
		expect(run('plan-2')).not.toEqual(a);
		expect(a[0]).toMatchObject({ cases: 10, reps: 300 });
		expect(a[0]!.se).toBeCloseTo(Math.sqrt((a[0]!.power * (1 - a[0]!.power)) / 300), 12);
	});

	it('rises with the number of cases', () => {
		const cases = [6, 10, 15, 20, 30, 45, 70];
		const curve = finish(
			powerCurve(ordinalSampler(MODEL, CROSSED, 'mean'), cases, ONE_SIDED, 600, 'monotone')
		);
		for (let i = 1; i < curve.length; i++)
			expect(curve[i]!.power).toBeGreaterThan(curve[i - 1]!.power);
		expect(curve[curve.length - 1]!.power).toBeGreaterThan(0.95);
	});

	it('holds the type I error at α when both checkpoints share one distribution', () => {
		const same = { ...MODEL, better: MODEL.than };
		for (const design of [CROSSED, { type: 'balanced', raters: 4, ratersPerLetter: 2 } as const]) {
			const [p] = finish(
				powerCurve(ordinalSampler(same, design, 'mean'), [30], ONE_SIDED, 2000, 'null')
			);
			// Ties make the test conservative; it must not exceed α beyond Monte Carlo error.
			expect(p!.power).toBeLessThan(0.05 + 3 * Math.sqrt((0.05 * 0.95) / 2000));
		}
	});

	it('simulates each checkpoint with the score distribution entered for it', () => {
		const counts = [new Array(4).fill(0), new Array(4).fill(0)];
		// Rater effects are drawn once per simulated round: a large pool averages them out.
		const pool: PowerDesign = { type: 'balanced', raters: 500, ratersPerLetter: 2 };
		const sampler = ordinalSampler(MODEL, pool, 'mean', (...r) => {
			counts[r[1]]![r[3] - 1]++;
		});
		sampler(seededRng('marginals'), 10000, new Float64Array(10000), new Float64Array(10000));
		const share = (c: number[]) => c.map((v) => v / 20000);
		share(counts[0]!).forEach((p, j) => expect(Math.abs(p - MODEL.better[j]!)).toBeLessThan(0.015));
		share(counts[1]!).forEach((p, j) => expect(Math.abs(p - MODEL.than[j]!)).toBeLessThan(0.015));
	});

	it('stops when a run needs more work than its budget', () => {
		const sampler = ordinalSampler(MODEL, CROSSED, 'mean');
		const budget = { left: 10_000, perCase: 4 };
		expect(() => finish(powerCurve(sampler, [50], ONE_SIDED, 1000, 's', budget))).toThrow(
			BudgetExceeded
		);
	});

	it('refuses a model or design it cannot simulate', () => {
		expect(() => ordinalSampler({ ...MODEL, than: [0.5, 0.5, 0.5, 0.5] }, CROSSED, 'mean')).toThrow(
			/add up to 2.000/
		);
		expect(() => ordinalSampler({ ...MODEL, than: [0.5, 0.5] }, CROSSED, 'mean')).toThrow(
			/2 shares for a scale of 4/
		);
		expect(() => ordinalSampler({ ...MODEL, caseShare: 0.7 }, CROSSED, 'mean')).toThrow(
			/less than 1/
		);
		expect(() =>
			ordinalSampler(MODEL, { type: 'balanced', raters: 2, ratersPerLetter: 3 }, 'mean')
		).toThrow(/from 1 to 2/);
	});
});

describe('the test a simulated round goes through', () => {
	// The analysis (study/comparisons.ts) runs on these very ratings: its p-value must be the one
	// the planner computes from its per-case scores.
	it.each([
		['fully crossed, mean', CROSSED, 'mean'],
		['balanced 2 of 5, median', { type: 'balanced', raters: 5, ratersPerLetter: 2 }, 'median']
	] as const)('is the analysis’s own Wilcoxon test (%s)', (_, design, aggregate) => {
		const rows: RatingRow[] = [];
		const n = 24;
		const checkpoints = ['ft', 'base'];
		const sampler = ordinalSampler(MODEL, design, aggregate, (c, letter, rater, score) =>
			rows.push({
				rater: `R${rater}`,
				caseId: `C${c}`,
				itemCode: `I${c}-${letter}`,
				checkpoint: checkpoints[letter]!,
				dimension: 'benefit',
				score
			})
		);
		const x = new Float64Array(n);
		const y = new Float64Array(n);
		sampler(seededRng(`same-code-${aggregate}`), n, x, y);
		const analysis = analyzeStudy(rows, [], [], {
			seed: 's',
			bootstrapReplicates: 10,
			aggregate,
			dimensions: [{ key: 'benefit', label: 'Benefit' }],
			checkpoints: ['base', 'ft'],
			hypotheses: [{ better: 'ft', than: 'base' }]
		});
		const test = analysis.paired[0]!.tests[0]!;
		const planner = wilcoxonSignedRank(Array.from(x), Array.from(y), { alternative: 'greater' });
		expect(test.n).toBe(n);
		expect(test.pValue).toBeCloseTo(planner.pValue, 14);
	});
});

/** Differences D ~ N(δ, 1) against zero: continuous, so Noether's approximation applies. */
function normalShift(delta: number): PairSampler {
	return (rng, n, x, y) => {
		for (let i = 0; i < n; i++) {
			const u = 1 - rng();
			x[i] = delta + Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
			y[i] = 0;
		}
	};
}

describe("Noether's normal approximation (continuous differences, 20 to 80 pairs)", () => {
	// p′ = P(D + D′ > 0) = Φ(δ√2). Noether drops the O(n) term of E(V) and uses its null
	// variance: stated tolerance 0.04 plus three Monte Carlo standard errors.
	it.each([
		[20, 0.4],
		[40, 0.25],
		[80, 0.2]
	])('matches the simulated power with %i pairs at δ = %f', (n, delta) => {
		const [p] = finish(powerCurve(normalShift(delta), [n], ONE_SIDED, 3000, `noether-${n}`));
		const approx = noetherPower(n, normalCdf(delta * Math.SQRT2), 0.05);
		expect(Math.abs(p!.power - approx)).toBeLessThan(0.04 + 3 * p!.se);
	});

	it('and its sample size is near the simulated smallest n for 80% power', () => {
		const pPrime = normalCdf(0.3 * Math.SQRT2);
		const [found] = finish(
			requiredCases(normalShift(0.3), [0.8], ONE_SIDED, {
				reps: 2000,
				seed: 'noether-n',
				minCases: 5,
				maxCases: 400
			})
		);
		const noether = noetherCases(pPrime, 0.05, 0.8);
		expect(Math.abs(found!.cases! - noether) / noether).toBeLessThan(0.15);
	});
});

describe('requiredCases', () => {
	it('finds the smallest number of cases whose estimated power reaches each target', () => {
		const sampler = ordinalSampler(MODEL, CROSSED, 'mean');
		const opts = { reps: 500, seed: 'search', minCases: 5, maxCases: 300 };
		const [p80, p90] = finish(requiredCases(sampler, [0.8, 0.9], ONE_SIDED, opts));
		expect(p80!.cases).not.toBeNull();
		expect(p90!.cases!).toBeGreaterThan(p80!.cases!);
		for (const r of [p80!, p90!]) {
			const [below, at] = finish(
				powerCurve(sampler, [r.cases! - 1, r.cases!], ONE_SIDED, 500, 'search')
			);
			expect(at!.power).toBeGreaterThanOrEqual(r.target);
			expect(at!.power).toBe(r.power);
			expect(below!.power).toBeLessThan(r.target);
		}
	});

	it('says when the target is out of reach within the largest number of cases', () => {
		const sampler = ordinalSampler({ ...MODEL, better: MODEL.than }, CROSSED, 'mean');
		const [r] = finish(
			requiredCases(sampler, [0.8], ONE_SIDED, {
				reps: 100,
				seed: 'none',
				minCases: 5,
				maxCases: 40
			})
		);
		expect(r!.cases).toBeNull();
		expect(r!.power).toBeLessThan(0.8);
	});
});

describe('shiftedDistribution', () => {
	it('moves the expected score by the mean difference asked for', () => {
		const base = [0.2, 0.3, 0.3, 0.2];
		for (const d of [-0.5, 0, 0.3, 0.8]) {
			const p = shiftedDistribution([1, 2, 3, 4], base, d);
			expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
			expect(expectedScore([1, 2, 3, 4], p)).toBeCloseTo(2.5 + d, 9);
		}
		expect(shiftedDistribution([1, 2, 3, 4], base, 0).map((v) => +v.toFixed(12))).toEqual(base);
		expect(() => shiftedDistribution([1, 2, 3, 4], base, 1.6)).toThrow(/out of the scale/);
	});
});

interface Reference {
	name: string;
	scale: number[];
	than: number[];
	better: number[];
	caseShare: number;
	raterShare: number;
	interactionShare: number;
	design: 'fully-crossed' | 'balanced';
	raters: number;
	ratersPerLetter: number;
	cases: number;
	aggregate: 'mean' | 'median';
	alternative: 'greater' | 'two-sided';
	alpha: number;
	power: number;
	se: number;
}

describe('against R (tests/fixtures/make-power-reference.R, base R wilcox.test)', () => {
	const reference = JSON.parse(
		readFileSync(new URL('../../../tests/fixtures/power-reference.json', import.meta.url), 'utf8')
	) as { scenarios: Reference[] };
	it.each(reference.scenarios.map((s) => [s.name, s] as const))('%s', (_, s) => {
		const design: PowerDesign =
			s.design === 'balanced'
				? { type: 'balanced', raters: s.raters, ratersPerLetter: s.ratersPerLetter }
				: { type: 'fully-crossed', raters: s.raters };
		const [p] = finish(
			powerCurve(
				ordinalSampler(s, design, s.aggregate),
				[s.cases],
				{ alpha: s.alpha, alternative: s.alternative, aggregate: s.aggregate },
				4000,
				s.name
			)
		);
		// Two independent Monte Carlo estimates: within 4 standard errors of their difference.
		expect(Math.abs(p!.power - s.power)).toBeLessThan(4 * Math.hypot(p!.se, s.se));
	});
});
