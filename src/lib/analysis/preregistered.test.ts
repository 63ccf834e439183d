import { describe, expect, it } from 'vitest';
import { parseAnalysisPlan } from '../domain/analysis-plan';
import { adjustPValues } from './adjust';
import {
	confirmatoryResults,
	planHypotheses,
	renderPreregistration,
	withPreregistration
} from './preregistered';
import reference from '../../../tests/fixtures/preregistered-reference.json';
import { signTest, signTestGreater } from './pairwise';
import { analyzePairwise, type PairwiseJudgement } from './pairwise-study';
import {
	pairwiseConfirmatoryResults,
	type ConfirmatoryResult,
	type Preregistration
} from './preregistered';
import { analyzeStudy } from './study';
import type { RatingRow } from './study/prepare';
import { wilcoxonSignedRank } from './wilcoxon';

const DIMS = ['benefit', 'style', 'facts'];
const CASES = 12;

/** Two raters score 12 cases under base and ft; ft is better on benefit, mixed elsewhere. */
function rows(): RatingRow[] {
	const out: RatingRow[] = [];
	for (let c = 0; c < CASES; c++)
		for (const rater of ['R1', 'R2'])
			for (const [k, cp] of ['base', 'ft'].entries())
				DIMS.forEach((dimension, d) => {
					const shift = dimension === 'benefit' ? k : d === 1 ? (c % 3) - 1 : 0;
					const score = Math.min(
						4,
						Math.max(1, ((c * 7 + d + (rater === 'R1' ? 0 : 1)) % 3) + 1 + shift)
					);
					out.push({
						rater,
						caseId: `c${c}`,
						itemCode: `${cp}${c}`,
						checkpoint: cp,
						dimension,
						score
					});
				});
	return out;
}

const plan = parseAnalysisPlan(
	{
		primary: { better: 'ft', than: 'base', dimension: 'benefit' },
		secondary: [
			{ better: 'ft', than: 'base', dimension: 'style' },
			{ better: 'ft', than: 'base', dimension: 'facts' }
		],
		correction: 'holm'
	},
	{ checkpoints: ['base', 'ft'], dimensions: DIMS }
);

function analysis() {
	return analyzeStudy(rows(), [], [], {
		seed: 's',
		aggregate: plan.aggregate,
		hypotheses: planHypotheses(plan),
		bootstrapReplicates: 50,
		dimensions: DIMS.map((key) => ({ key, label: key })),
		checkpoints: ['base', 'ft']
	});
}

/** Per-case means over raters, by checkpoint, for one dimension. */
function caseMeans(dimension: string, cp: string): number[] {
	const by = new Map<string, number[]>();
	for (const r of rows())
		if (r.dimension === dimension && r.checkpoint === cp)
			by.set(r.caseId, [...(by.get(r.caseId) ?? []), r.score]);
	return [...by.keys()]
		.sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))
		.map((k) => by.get(k)!.reduce((s, x) => s + x, 0) / by.get(k)!.length);
}

describe('confirmatoryResults', () => {
	it('equals the one-sided Wilcoxon test on per-case means, the secondaries Holm-adjusted', () => {
		const results = confirmatoryResults(plan, analysis());
		const expected = DIMS.map((d) =>
			wilcoxonSignedRank(caseMeans(d, 'ft'), caseMeans(d, 'base'), { alternative: 'greater' })
		);
		expect(results.map((r) => r.role)).toEqual(['primary', 'secondary', 'secondary']);
		results.forEach((r, i) => {
			expect(r.pValue).toBeCloseTo(expected[i]!.pValue, 12);
			expect(r.n).toBe(CASES);
		});
		const adjusted = adjustPValues([expected[1]!.pValue, expected[2]!.pValue], 'holm');
		expect(results[0]!.pAdjusted).toBe(results[0]!.pValue);
		expect(results[1]!.pAdjusted).toBeCloseTo(adjusted[0]!, 12);
		expect(results[2]!.pAdjusted).toBeCloseTo(adjusted[1]!, 12);
		expect(results[0]!.significant).toBe(results[0]!.pValue! <= 0.05);
		expect(results[0]!.effectSize).toBeGreaterThan(0);
	});
});

describe('confirmatoryResults on a composite', () => {
	it.each(reference.composites.map((s) => [s.name, s] as const))(
		'%s: equals R wilcox.test on the per-case composites',
		(_, s) => {
			const alternative = s.alternative === 'greater' ? 'greater' : 'two-sided';
			const composite = parseAnalysisPlan(
				{
					aggregate: s.aggregate,
					composites: [{ name: 'overall', mean: s.composite }],
					primary: { better: 'ft', than: 'base', dimension: 'overall', alternative },
					secondary: [{ better: 'ft', than: 'base', dimension: s.dimensions[0], alternative }]
				},
				{ checkpoints: ['base', 'ft'], dimensions: s.dimensions, kind: 'absolute' }
			);
			const a = analyzeStudy(s.ratings, [], [], {
				seed: 's',
				aggregate: composite.aggregate,
				hypotheses: planHypotheses(composite),
				bootstrapReplicates: 20,
				dimensions: s.dimensions.map((key) => ({ key, label: key })),
				checkpoints: ['base', 'ft']
			});
			const [primary, secondary] = confirmatoryResults(composite, a, s.ratings);
			expect(primary!.n).toBe(s.n);
			expect(primary!.statistic).toBe(s.V);
			expect(Math.abs(primary!.pValue! - s.p) / s.p).toBeLessThan(1e-12);
			expect(primary!.pAdjusted).toBe(primary!.pValue);
			// A dimension of the same plan is still read from the analysis.
			const pair = a.paired[0]!;
			expect(secondary!.pValue).toBe(
				pair.tests.find((t) => t.dimension === s.dimensions[0])!.pValue
			);
		}
	);

	it('leaves out repeated showings and letters without every part scored', () => {
		const composite = parseAnalysisPlan(
			{
				composites: [{ name: 'overall', mean: ['benefit', 'style'] }],
				primary: { better: 'ft', than: 'base', dimension: 'overall' }
			},
			{ checkpoints: ['base', 'ft'], dimensions: DIMS }
		);
		const all = rows();
		const extra: RatingRow[] = [
			// A repeat with extreme scores and a third rater who scored only one part.
			...['benefit', 'style'].map((dimension) => ({
				rater: 'R1',
				caseId: 'c0',
				itemCode: 'again',
				repeatOf: 'base0',
				checkpoint: 'base',
				dimension,
				score: 4
			})),
			{
				rater: 'R3',
				caseId: 'c1',
				itemCode: 'base1',
				checkpoint: 'base',
				dimension: 'benefit',
				score: 4
			}
		];
		const a = analysis();
		expect(confirmatoryResults(composite, a, [...all, ...extra])).toEqual(
			confirmatoryResults(composite, a, all)
		);
	});
});

describe('pairwiseConfirmatoryResults', () => {
	// ft beats base on benefit 9 times, loses 3, ties 2; on style 5 : 5 with 4 ties.
	const judgements: PairwiseJudgement[] = [];
	const add = (dimension: string, winner: 'left' | 'right' | 'tie', times: number) => {
		for (let i = 0; i < times; i++)
			judgements.push({
				rater: `R${i % 2}`,
				caseId: `c${judgements.length}`,
				// Sides alternate: counts are pooled over both presentation orders.
				left: i % 2 ? 'ft' : 'base',
				right: i % 2 ? 'base' : 'ft',
				dimension,
				winner: winner === 'tie' ? 'tie' : (winner === 'left') === (i % 2 === 1) ? 'left' : 'right'
			});
	};
	add('benefit', 'left', 9);
	add('benefit', 'right', 3);
	add('benefit', 'tie', 2);
	add('style', 'left', 5);
	add('style', 'right', 5);
	add('style', 'tie', 4);
	const pairwisePlan = parseAnalysisPlan(
		{
			primary: { better: 'ft', than: 'base', dimension: 'benefit' },
			secondary: [
				{ better: 'ft', than: 'base', dimension: 'style' },
				{ better: 'ft', than: 'base', dimension: 'facts' }
			]
		},
		{ checkpoints: ['base', 'ft'], dimensions: DIMS, kind: 'pairwise' }
	);
	// "left" above means ft won: base is the first checkpoint, so its cells count from base.
	const pa = analyzePairwise(judgements, ['base', 'ft'], DIMS);

	it('tests the better checkpoint’s wins against its losses, one-sided, Holm over the rest', () => {
		const [primary, style, facts] = pairwiseConfirmatoryResults(pairwisePlan, pa);
		expect(primary!.preference).toMatchObject({ wins: 9, ties: 2, losses: 3 });
		expect(primary!.n).toBe(12);
		expect(primary!.statistic).toBe(9);
		expect(primary!.pValue).toBe(signTestGreater(9, 3));
		expect(primary!.preference!.winRate.estimate).toBeCloseTo(0.75, 12);
		const cell = pa.pairs.find((c) => c.dimension === 'benefit')!;
		expect(cell.a).toBe('base');
		expect(primary!.preference!.winRate.lower).toBeCloseTo(1 - cell.winRate.upper, 12);
		expect(style!.preference).toMatchObject({ wins: 5, ties: 4, losses: 5 });
		expect(style!.pValue).toBe(signTestGreater(5, 5));
		// No judgement on facts: untested, and left out of the Holm family.
		expect(facts!.pValue).toBeNull();
		expect(facts!.pAdjusted).toBeNull();
		expect(style!.pAdjusted).toBeCloseTo(
			adjustPValues([style!.pValue!, Number.NaN], 'holm')[0]!,
			12
		);
		const twoSided = parseAnalysisPlan(
			{ primary: { better: 'ft', than: 'base', dimension: 'benefit', alternative: 'two-sided' } },
			{ checkpoints: ['base', 'ft'], dimensions: DIMS, kind: 'pairwise' }
		);
		expect(pairwiseConfirmatoryResults(twoSided, pa)[0]!.pValue).toBe(signTest(9, 3));
	});

	it('shows wins, ties, losses and the win rate in the report section', () => {
		const results: ConfirmatoryResult[] = pairwiseConfirmatoryResults(pairwisePlan, pa);
		const pre: Preregistration = {
			kind: 'plan',
			plan: pairwisePlan,
			sha256: 'cd'.repeat(32),
			lockedAt: '2026-12-07T12:00:00.000Z',
			matchesLocked: true,
			excludedRaters: [],
			results
		};
		const section = renderPreregistration(pre);
		expect(section).toContain(
			'| Role | Comparison | Dimension | Wins | Ties | Losses | Win rate [95% CI] |'
		);
		expect(section).toMatch(/\| primary \| ft > base \| benefit \| 9 \| 2 \| 3 \| 75\.0% \[/);
		expect(section).toContain('exact sign test, ties excluded, one-sided');
	});
});

describe('renderPreregistration and withPreregistration', () => {
	it('open the report with the confirmatory section and label the rest exploratory', () => {
		const a = analysis();
		const section = renderPreregistration(
			{
				kind: 'plan',
				plan,
				sha256: 'ab'.repeat(32),
				lockedAt: '2026-12-07T12:00:00.000Z',
				matchesLocked: true,
				excludedRaters: [],
				results: confirmatoryResults(plan, a)
			},
			a
		);
		const report = withPreregistration('# S — R\n\nOverview.\n\n## Ratings\n\nTable.', section);
		expect(report.indexOf('## Confirmatory analysis (pre-registered)')).toBeGreaterThan(
			report.indexOf('Overview.')
		);
		expect(report.indexOf('# Exploratory analysis')).toBeLessThan(report.indexOf('## Ratings'));
		expect(report).toContain('ab'.repeat(32));
		expect(report).toContain('ran on exactly the locked plan');
	});

	it('say "No pre-registered plan" with the reason of an opt-out, and warn on a changed plan', () => {
		expect(renderPreregistration({ kind: 'opted-out', reason: 'pilot' })).toMatch(
			/^## No pre-registered plan\n\n.*reason: pilot/
		);
		expect(renderPreregistration({ kind: 'none' })).toContain('No pre-registered plan');
		const changed = renderPreregistration({
			kind: 'plan',
			plan,
			sha256: '0'.repeat(64),
			lockedAt: '2026-12-07T12:00:00.000Z',
			matchesLocked: false,
			excludedRaters: ['R2'],
			results: []
		});
		expect(changed).toContain('not confirmatory');
		expect(changed).toContain('R2');
	});
});
