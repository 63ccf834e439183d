import { describe, expect, it } from 'vitest';
import { parseAnalysisPlan } from '../domain/analysis-plan';
import { adjustPValues } from './adjust';
import {
	confirmatoryResults,
	planHypotheses,
	renderPreregistration,
	withPreregistration
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
