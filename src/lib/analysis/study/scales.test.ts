/**
 * The study analysis over a dimension's own scale (domain/scales.ts): given the scale's scores,
 * the descriptive counts have one entry per category and the pairwise quadratic-weighted kappa
 * equals psych::cohen.kappa over all k categories (tests/fixtures/scales-reference.json), for a
 * 5-point and a yes/no (0/1) dimension. The default 1–4 scale refuses their scores.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scaleOf, type ScaleSpec } from '../../domain/scales';
import { wilcoxonSignedRank } from '../wilcoxon';
import { analyzeStudy, type RatingRow } from './index';
import { distributionSeries } from '../chart-series';
import { renderMarkdownReport } from '../report';
import { expectClose } from '../../../../tests/support/stats-reference';

interface KappaCase {
	name: string;
	categories: number[];
	a: number[];
	b: number[];
	quadratic: number;
}
const { kappa } = JSON.parse(
	readFileSync(new URL('../../../../tests/fixtures/scales-reference.json', import.meta.url), 'utf8')
) as { kappa: KappaCase[] };

const CHECKPOINTS = ['base', 'ft'];

/** Two raters' ratings of the fixture as items: rating t is case ⌊t/2⌋ under checkpoint t mod 2. */
function ratingsOf(c: KappaCase): RatingRow[] {
	return [c.a, c.b].flatMap((scores, r) =>
		scores.map((score, t) => {
			const caseId = `c${String(Math.floor(t / 2)).padStart(2, '0')}`;
			const checkpoint = CHECKPOINTS[t % 2]!;
			return {
				rater: `r${r}`,
				caseId,
				itemCode: `${caseId}-${checkpoint}`,
				checkpoint,
				dimension: 'd',
				score
			};
		})
	);
}

function analyse(ratings: RatingRow[], scale?: number[]) {
	return analyzeStudy(ratings, [], [], {
		seed: 'scales',
		bootstrapReplicates: 50,
		dimensions: [{ key: 'd', label: 'D' }],
		checkpoints: CHECKPOINTS,
		scale
	});
}

describe.each([
	['5-point', 5],
	['yes/no (0/1)', 'yes-no']
] as [string, ScaleSpec][])('analyzeStudy on a %s dimension', (name, spec) => {
	const c = kappa.find((k) => k.name === name)!;
	const scale = [...scaleOf(spec).scores];
	const ratings = ratingsOf(c);

	it('counts every category and weights kappa over all of them, as psych', () => {
		const result = analyse(ratings, scale);
		expect(result.overview.scale).toEqual(scale);
		for (const cell of result.descriptives) {
			expect(cell.counts).toHaveLength(scale.length);
			const scores = ratings.filter((r) => r.checkpoint === cell.checkpoint).map((r) => r.score);
			expect(cell.counts).toEqual(scale.map((v) => scores.filter((s) => s === v).length));
		}
		const [pair] = result.agreement[0]!.kappa.pairs;
		expect(pair!.n).toBe(c.a.length);
		expectClose(pair!.kappa!, c.quadratic, `${name} quadratic kappa`);
	});

	it('tests the checkpoints on per-case means of the scale’s scores', () => {
		const result = analyse(ratings, scale);
		const mean = (checkpoint: string) =>
			[...new Set(ratings.map((r) => r.caseId))].map((caseId) => {
				const s = ratings.filter((r) => r.caseId === caseId && r.checkpoint === checkpoint);
				return s.reduce((sum, r) => sum + r.score, 0) / s.length;
			});
		const expected = wilcoxonSignedRank(mean('base'), mean('ft'));
		const test = result.paired[0]!.tests[0]!;
		expect(test.statistic).toBe(expected.statistic);
		expectClose(test.pValue!, expected.pValue, `${name} Wilcoxon p`);
	});

	it('is refused on the default 1–4 scale', () => {
		expect(() => analyse(ratings)).toThrow(RangeError);
	});
});

describe('analyzeStudy on a form that mixes scales (5 points and yes/no)', () => {
	const five = kappa.find((k) => k.name === '5-point')!;
	const yes = kappa.find((k) => k.name === 'yes/no (0/1)')!;
	const ratings = [
		...ratingsOf(five).map((r) => ({ ...r, dimension: 'completeness' })),
		...ratingsOf(yes).map((r) => ({ ...r, dimension: 'fabrication' }))
	];
	const analysis = analyzeStudy(ratings, [], [], {
		seed: 'scales',
		bootstrapReplicates: 50,
		dimensions: [
			{ key: 'completeness', label: 'Completeness', scale: [1, 2, 3, 4, 5] },
			{ key: 'fabrication', label: 'Fabricated content', scale: [0, 1] }
		],
		checkpoints: CHECKPOINTS
	});

	it('analyses each dimension on its own scale, in form order, as psych', () => {
		expect(analysis.overview.scales).toEqual({
			completeness: [1, 2, 3, 4, 5],
			fabrication: [0, 1]
		});
		expect(analysis.descriptives.map((c) => [c.checkpoint, c.dimension, c.counts.length])).toEqual([
			['base', 'completeness', 5],
			['base', 'fabrication', 2],
			['ft', 'completeness', 5],
			['ft', 'fabrication', 2]
		]);
		expect(analysis.agreement.map((a) => a.dimension)).toEqual(['completeness', 'fabrication']);
		expectClose(analysis.agreement[0]!.kappa.pairs[0]!.kappa!, five.quadratic, '5-point kappa');
		expectClose(analysis.agreement[1]!.kappa.pairs[0]!.kappa!, yes.quadratic, 'yes/no kappa');
		const fabricated = analysis.descriptives.find(
			(c) => c.checkpoint === 'ft' && c.dimension === 'fabrication'
		)!;
		const ft = ratings.filter((r) => r.dimension === 'fabrication' && r.checkpoint === 'ft');
		expect(fabricated.counts).toEqual([0, 1].map((v) => ft.filter((r) => r.score === v).length));
		// Yes/no coded 0/1: the mean is the share of "yes".
		expect(fabricated.summary.mean).toBeCloseTo(ft.filter((r) => r.score === 1).length / ft.length);
	});

	it('equals the analysis of each dimension alone (agreement, paired test)', () => {
		for (const [key, scale] of [
			['completeness', [1, 2, 3, 4, 5]],
			['fabrication', [0, 1]]
		] as const) {
			const alone = analyzeStudy(
				ratings.filter((r) => r.dimension === key),
				[],
				[],
				{
					seed: 'scales',
					bootstrapReplicates: 50,
					dimensions: [{ key, label: key }],
					checkpoints: CHECKPOINTS,
					scale: [...scale]
				}
			);
			// Alpha's interval resamples every item of the analysis, so only its estimate is compared.
			const point = (a: (typeof alone.agreement)[number] | undefined) => ({
				...a,
				alpha: a?.alpha?.estimate
			});
			expect(point(analysis.agreement.find((a) => a.dimension === key))).toEqual(
				point(alone.agreement[0])
			);
			expect(analysis.paired[0]!.tests.find((t) => t.dimension === key)!.pValue).toBe(
				alone.paired[0]!.tests[0]!.pValue
			);
		}
	});

	it('draws and reports each distribution with its own categories', () => {
		expect(distributionSeries(analysis, 'completeness').datasets.map((d) => d.label)).toEqual([
			'1',
			'2',
			'3',
			'4',
			'5'
		]);
		expect(distributionSeries(analysis, 'fabrication').datasets.map((d) => d.label)).toEqual([
			'0',
			'1'
		]);
		const report = renderMarkdownReport(analysis, { study: 's', round: 'r', generatedAt: 'now' });
		expect(report).toContain('| Checkpoint | n | 1 | 2 | 3 | 4 | 5 | Median (IQR) |');
		expect(report).toContain('| Checkpoint | n | 0 | 1 | Median (IQR) |');
		expect(report).toContain('scales Completeness 1–5; Fabricated content 0–1');
	});

	it('leaves a form on one scale as it was: no per-dimension scales in the overview', () => {
		const one = analyzeStudy(ratingsOf(five), [], [], {
			seed: 'scales',
			bootstrapReplicates: 50,
			dimensions: [{ key: 'd', label: 'D', scale: [1, 2, 3, 4, 5] }],
			checkpoints: CHECKPOINTS,
			scale: [1, 2, 3, 4, 5]
		});
		expect(one.overview.scales).toBeUndefined();
	});
});
