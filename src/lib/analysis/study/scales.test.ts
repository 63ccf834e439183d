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
