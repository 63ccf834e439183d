import { describe, expect, it } from 'vitest';
import { exactMcNemar, pairedDifferenceCi } from '../mcnemar';
import { compareMetrics } from '../metric-tests';
import { wilsonInterval } from '../pairwise';
import { metricValues, perCaseMetrics } from '../per-case-metrics';
import { analyzeStudy, type AnalysisConfig, type RatingRow } from './index';

// accuracy scores of raters R1–R3 per case; clarity is always 4.
const ACCURACY: Record<string, Record<string, number[]>> = {
	base: { c1: [3, 2, 4], c2: [1, 1, 2], c3: [3, 3, 3], c4: [1, 2, 1] },
	ft: { c1: [4, 4, 4], c2: [3, 3, 1], c3: [2, 2, 2], c4: [4, 3, 3] }
};

function ratings(): RatingRow[] {
	const rows: RatingRow[] = [];
	for (const [checkpoint, byCase] of Object.entries(ACCURACY))
		for (const [caseId, scores] of Object.entries(byCase))
			scores.forEach((score, r) => {
				const base = {
					rater: `R${r + 1}`,
					caseId,
					itemCode: `${checkpoint}-${caseId}`,
					checkpoint
				};
				rows.push({ ...base, dimension: 'accuracy', score });
				rows.push({ ...base, dimension: 'clarity', score: 4 });
			});
	return rows;
}

const config = (over: Partial<AnalysisConfig> = {}): AnalysisConfig => ({
	seed: 's',
	bootstrapReplicates: 300,
	dimensions: [
		{ key: 'accuracy', label: 'Accuracy' },
		{ key: 'clarity', label: 'Clarity' }
	],
	checkpoints: ['base', 'ft'],
	hypotheses: [{ better: 'ft', than: 'base' }],
	...over
});

describe('acceptability in analyzeStudy', () => {
	it('is null without a rule', () => {
		expect(analyzeStudy(ratings(), [], [], config()).acceptability).toBeNull();
	});

	it('counts letters by the majority of raters, with Wilson intervals and McNemar', () => {
		const a = analyzeStudy(
			ratings(),
			[],
			[],
			config({ acceptability: { rule: 'accuracy >= 3', raters: 'majority' } })
		).acceptability!;
		expect(a.note).toBeNull();
		const [base, ft] = a.rows;
		// base: c1 (2 of 3) and c3 acceptable; ft: c1, c2 and c4.
		expect(base).toMatchObject({ checkpoint: 'base', letters: 4, acceptable: 2, excluded: 0 });
		expect(ft).toMatchObject({ checkpoint: 'ft', letters: 4, acceptable: 3 });
		const w = wilsonInterval(3, 4);
		expect([ft!.share, ft!.lower, ft!.upper]).toEqual([w.estimate, w.lower, w.upper]);
		// Rating level: 5 of 12 and 8 of 12 judgements, interval by the case bootstrap.
		expect(base).toMatchObject({ ratings: 12, acceptableRatings: 5 });
		expect(base!.ratingShare!.estimate).toBe(5 / 12);
		expect(base!.ratingShare!.lower!).toBeLessThanOrEqual(5 / 12);
		expect(base!.ratingShare!.upper!).toBeGreaterThanOrEqual(5 / 12);
		expect(ft!.ratingShare!.estimate).toBe(8 / 12);
		// ft > base is pre-registered: for a = base, b = ft the alternative is 'less'.
		const t = { both: 1, onlyX: 1, onlyY: 2, neither: 0 };
		const d = pairedDifferenceCi(t);
		expect(a.comparisons).toEqual([
			{
				a: 'base',
				b: 'ft',
				alternative: 'less',
				n: 4,
				both: 1,
				onlyA: 1,
				onlyB: 2,
				neither: 0,
				pValue: exactMcNemar(1, 2, 'less'),
				difference: d.estimate,
				lower: d.lower,
				upper: d.upper
			}
		]);
		expect(a.comparisons[0]!.pValue).toBe(0.5);
	});

	it('applies every dimension, all raters and at least k', () => {
		const run = (rule: string, raters: 'all' | 'any' | number) =>
			analyzeStudy(ratings(), [], [], config({ acceptability: { rule, raters } })).acceptability!;
		expect(run('every dimension >= 3', 'all').rows.map((r) => r.acceptable)).toEqual([1, 2]);
		expect(run('accuracy >= 4', 'any').rows.map((r) => r.acceptable)).toEqual([1, 2]);
		const k = run('accuracy >= 3', 4);
		expect(k.rows.map((r) => [r.letters, r.excluded])).toEqual([
			[0, 4],
			[0, 4]
		]);
		expect(k.rows[0]!.share).toBeNull();
		expect(k.comparisons[0]!.pValue).toBeNull();
	});

	it('says so when the round form lacks a dimension of the rule', () => {
		const a = analyzeStudy(
			ratings(),
			[],
			[],
			config({ acceptability: { rule: 'overall >= 3', raters: 'any' } })
		).acceptability!;
		expect(a.rows).toEqual([]);
		expect(a.note).toMatch(/no dimension "overall"/);
	});
});

describe('metricTests in analyzeStudy', () => {
	it('tests every pair on the per-case metrics, one-sided as hypothesised', () => {
		const cases = ['c1', 'c2', 'c3', 'c4'].map((caseId, i) => ({
			caseId,
			reference: `photon therapy of case ${i} with dose ${i * 2} gy`,
			goldModality: 'photon'
		}));
		const outputs = cases.flatMap((c, i) => [
			{ caseId: c.caseId, checkpoint: 'base', text: `therapy ${i}` },
			{ caseId: c.caseId, checkpoint: 'ft', text: `photon therapy of case ${i} dose` }
		]);
		const a = analyzeStudy(ratings(), outputs, cases, config());
		expect(a.metricTests).toHaveLength(1);
		const v = metricValues(perCaseMetrics(outputs, cases, ['base', 'ft']));
		expect(a.metricTests[0]).toEqual(
			compareMetrics('base', 'ft', v.get('base')!, v.get('ft')!, 'less')
		);
		expect(a.metricTests[0]!.labels[0]).toMatchObject({ n: 4, onlyX: 0, onlyY: 4, pValue: 1 / 16 });
		expect(a.metricTests[0]!.rouge[0]!.effectSize).toBe(-1);
	});
});
