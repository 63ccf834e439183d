import { describe, expect, it } from 'vitest';
import { signTest, wilsonInterval } from './pairwise';
import { renderPairwiseReport } from './pairwise-report';
import { analyzePairwise, type PairwiseJudgement } from './pairwise-study';
import { formatP } from './report-format';

/** The style label holds a pipe, which the Markdown tables must escape. */
const overall = { key: 'overall', label: 'Overall' };
const style = { key: 'style', label: 'Style | tone' };
const META = {
	study: 'Letters 2026',
	round: 'Pairwise 1',
	generatedAt: '2026-05-01T12:00:00Z',
	dimensions: [overall, style]
};

/** n judgements of one pair and dimension with one outcome (rater and case do not matter). */
const times = (
	n: number,
	[left, right, dimension]: [string, string, string],
	winner: PairwiseJudgement['winner']
) => {
	const one: PairwiseJudgement = { rater: 'r', caseId: 'c', left, right, dimension, winner };
	return Array.from({ length: n }, () => one);
};

const data = [
	...times(9, ['ft', 'base', 'overall'], 'left'),
	...times(2, ['ft', 'base', 'overall'], 'right'),
	...times(1, ['ft', 'base', 'overall'], 'tie'),
	...times(1, ['base', 'ft', 'overall'], 'left'),
	...times(6, ['base', 'ft', 'overall'], 'right'),
	...times(4, ['ft', 'dpo', 'overall'], 'left'),
	...times(4, ['ft', 'dpo', 'overall'], 'right'),
	...times(2, ['ft', 'dpo', 'overall'], 'tie'),
	...times(5, ['dpo', 'base', 'overall'], 'left'),
	...times(1, ['dpo', 'base', 'overall'], 'right'),
	...times(3, ['base', 'ft', 'style'], 'tie'),
	// Left out: an unknown checkpoint, and a checkpoint against itself.
	...times(1, ['other', 'ft', 'overall'], 'left'),
	...times(1, ['ft', 'ft', 'overall'], 'tie')
];
const three = analyzePairwise(data, ['base', 'ft', 'dpo'], ['overall', 'style']);
const report = renderPairwiseReport(three, META);
const lines = report.split('\n');
/** Columns of a Markdown table line, not splitting escaped pipes. */
const columns = (line: string) => line.replace(/\\\|/g, '').split('|').length - 2;

describe('renderPairwiseReport', () => {
	it('starts with the study, round and an overview of the judgements', () => {
		expect(
			report.startsWith('# Letters 2026 — Pairwise 1\n\nGenerated 2026-05-01T12:00:00Z.')
		).toBe(true);
		expect(report).toContain(
			'Pairwise round: 38 judgements comparing two letters of the same case (checkpoints: base, ' +
				'ft, dpo) on 2 dimensions'
		);
		expect(report).toContain('2 judgements with a checkpoint or dimension outside the analysis');
		expect(report.endsWith('\n')).toBe(true);
	});

	it('tabulates wins, ties, losses, the Wilson interval and the sign test per pair', () => {
		// base vs ft, overall: base won 2 (right in the first block) + 1 (left in the second).
		const w = wilsonInterval(3, 18);
		const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
		expect(report).toContain(
			`| base vs ft | Overall | 3 | 1 | 15 | ${pct(w.estimate)} [${pct(w.lower)}, ${pct(w.upper)}] | ` +
				`${formatP(signTest(3, 15))} | ft preferred |`
		);
		expect(report).toContain('| ft vs dpo | Overall | 4 | 2 | 4 | 50.0% [');
		expect(report).toContain('| 1.000 | — |');
		expect(report).toContain(
			'| Comparison | Dimension | Wins | Ties | Losses | Win rate [95% CI] | p | Direction |'
		);
		expect(report).toContain('| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |');
	});

	it('prints a dash for cells without decisive judgements and says why', () => {
		expect(report).toContain('| base vs ft | Style \\| tone | 0 | 3 | 0 | — | — | — |');
		expect(report).toContain('- base vs ft, Style | tone: only ties, so no win rate.');
		expect(report).toContain('- base vs dpo, Style | tone: no judgements.');
	});

	it('states the methods under the preference table', () => {
		expect(report).toContain('Wilson score 95% interval (Wilson 1927)');
		expect(report).toContain('exact two-sided sign test');
		expect(report).toContain('not adjusted for multiple comparisons');
	});

	it('adds Bradley–Terry strengths with three or more checkpoints', () => {
		const bt = three.bradleyTerry.find((r) => r.dimension === 'overall')!;
		const strengths = bt.strengths.map((s) => s.strength!.toFixed(3)).join(' | ');
		expect(report).toContain('## Bradley–Terry strengths');
		expect(report).toContain('| Dimension | Comparisons | base | ft | dpo |');
		expect(report).toContain(`| Overall | ${bt.comparisons} | ${strengths} |`);
		expect(report).toContain("Hunter's (2004) MM algorithm");
		// Style has a single tied pair: dpo has no comparison there.
		expect(report).toMatch(/\| Style \\\| tone \| 3 \| [0-9.]+ \| [0-9.]+ \| — \|/);
	});

	it('leaves Bradley–Terry out for two checkpoints and labels keys without a label as keys', () => {
		const two = renderPairwiseReport(analyzePairwise(data, ['base', 'ft'], ['overall', 'style']), {
			...META,
			dimensions: []
		});
		expect(two).not.toContain('Bradley–Terry strengths');
		expect(two).toContain('| base vs ft | overall | 3 | 1 | 15 |');
		// The dpo judgements are now outside the plan too.
		expect(two).toContain('18 judgements with a checkpoint or dimension outside');
	});

	it('writes tables whose rows all have the header’s number of columns', () => {
		let header = 0;
		for (const line of lines) {
			if (!line.startsWith('|')) {
				header = 0;
				continue;
			}
			if (header === 0) header = columns(line);
			expect(columns(line)).toBe(header);
		}
	});
});
