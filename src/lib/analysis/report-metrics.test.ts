import { describe, expect, it } from 'vitest';
import { renderMarkdownReport } from './report';
import { analyzeStudy, type AnalysisConfig, type RatingRow } from './study';

const cases = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'].map((caseId, i) => ({
	caseId,
	reference: `photon radiotherapy ${i} to the prostate, 60 gy in 20 fractions`,
	goldModality: 'photon',
	goldIcd10: 'C61'
}));
const outputs = cases.flatMap((c, i) => [
	{ caseId: c.caseId, checkpoint: 'base', text: `Radiotherapy ${i}. Electron boost.` },
	{
		caseId: c.caseId,
		checkpoint: 'ft',
		text: `Photon radiotherapy ${i} to the prostate (C61), 60 Gy in 20 fractions.`
	}
]);
const ratings: RatingRow[] = cases.flatMap((c, i) =>
	['base', 'ft'].flatMap((checkpoint) =>
		['R1', 'R2'].map((rater) => ({
			rater,
			caseId: c.caseId,
			itemCode: `${checkpoint}-${c.caseId}`,
			checkpoint,
			dimension: 'benefit',
			score: checkpoint === 'ft' ? 3 + (i % 2) : 1 + (i % 3)
		}))
	)
);
const config: AnalysisConfig = {
	seed: 'r',
	bootstrapReplicates: 100,
	dimensions: [{ key: 'benefit', label: 'Benefit' }],
	checkpoints: ['base', 'ft'],
	hypotheses: [{ better: 'ft', than: 'base' }],
	acceptability: { rule: 'benefit >= 3', raters: 'all' }
};
const meta = { study: 's', round: 'r', generatedAt: '2026-01-01T00:00:00Z' };

describe('report: automatic-metric tests and acceptability', () => {
	const report = renderMarkdownReport(analyzeStudy(ratings, outputs, cases, config), meta);

	it('tables the paired ROUGE and label tests with discordant counts', () => {
		expect(report).toContain('## Paired tests on automatic metrics');
		// ft wins every case on ROUGE and modality: V = 0 for base − ft. The six differences tie,
		// so ROUGE uses the normal approximation (p = 0.010); McNemar is exact: 1/64.
		expect(report).toMatch(
			/\| base vs ft \| ROUGE-1 F \| base < ft \| 6 \| 0\.0 \| 0\.010 \| 0\.029 \| -1\.00 \|/
		);
		expect(report).toMatch(
			/\| base vs ft \| Modality correct \| base < ft \| 6 \| 0 \/ 6 \| 0\.0% \/ 100\.0% \| 0\.016 \|/
		);
	});

	it('tables the acceptable share per checkpoint and the McNemar comparison', () => {
		expect(report).toContain('## Acceptable letters');
		expect(report).toContain('a rating is acceptable when benefit >= 3');
		// base: only c3 and c6 (score 3) by both raters; ft: all six.
		expect(report).toMatch(/\| base \| 6 \| 2 \| 33\.3% \[9\.7%, 70\.0%\] \| 0 \| 12 \|/);
		expect(report).toMatch(/\| ft \| 6 \| 6 \| 100\.0% \[61\.0%, 100\.0%\] \|/);
		expect(report).toMatch(/\| base vs ft \| base < ft \| 6 \| 2 \| 0 \| 4 \| 0 \| 0\.063 \|/);
	});

	it('leaves both sections out when there is nothing to show', () => {
		const bare = renderMarkdownReport(
			analyzeStudy(ratings, [], [], { ...config, acceptability: undefined }),
			meta
		);
		expect(bare).not.toContain('## Paired tests on automatic metrics');
		expect(bare).not.toContain('## Acceptable letters');
	});
});
