/**
 * Markdown report of a pairwise round (PairwiseAnalysis from pairwise-study.ts), in the style of
 * the rating report (report.ts): one table per result with its methods stated under it. Pure
 * string building; exported through report.ts.
 */

import type { PairwiseAnalysis, PairwiseCell } from './pairwise-study';
import {
	DASH,
	formatNumber,
	formatP,
	formatPercent,
	labeller,
	noteLines,
	plural,
	table
} from './report-format';

export interface PairwiseReportMeta {
	study: string;
	round: string;
	generatedAt: string;
	/** Labels of the dimension keys; a key without one is printed as it is. */
	dimensions?: { key: string; label: string }[];
}

const decisive = (c: PairwiseCell) => c.wins + c.losses;

/** "62.5% [40.9%, 79.8%]"; an em dash when no judgement was decisive. */
function winRateText(c: PairwiseCell): string {
	const w = c.winRate;
	if (w.estimate === null) return DASH;
	return `${formatPercent(w.estimate)} [${formatPercent(w.lower)}, ${formatPercent(w.upper)}]`;
}

function overviewSection(a: PairwiseAnalysis, meta: PairwiseReportMeta): string {
	const judgements = a.pairs.reduce((n, c) => n + c.wins + c.ties + c.losses, 0);
	return [
		`# ${meta.study} — ${meta.round}`,
		'',
		`Generated ${meta.generatedAt}.`,
		'',
		`Pairwise round: ${plural(judgements, 'judgement')} comparing two letters of the same case ` +
			`(checkpoints: ${a.checkpoints.join(', ')}) on ${plural(a.dimensions.length, 'dimension')}; ` +
			'raters picked the better letter or called a tie.' +
			(a.ignored > 0
				? ` ${plural(a.ignored, 'judgement')} with a checkpoint or dimension outside the ` +
					'analysis plan, or a checkpoint against itself, were left out.'
				: '')
	].join('\n');
}

function preferenceSection(a: PairwiseAnalysis, label: (key: string) => string): string {
	if (a.pairs.length === 0) return '';
	const notes: string[] = [];
	const rows = a.pairs.map((c) => {
		if (c.wins + c.ties + c.losses === 0) {
			notes.push(`${c.a} vs ${c.b}, ${label(c.dimension)}: no judgements.`);
		} else if (decisive(c) === 0) {
			notes.push(`${c.a} vs ${c.b}, ${label(c.dimension)}: only ties, so no win rate.`);
		}
		return [
			`${c.a} vs ${c.b}`,
			label(c.dimension),
			String(c.wins),
			String(c.ties),
			String(c.losses),
			winRateText(c),
			decisive(c) === 0 ? DASH : formatP(c.pValue),
			c.wins > c.losses ? `${c.a} preferred` : c.losses > c.wins ? `${c.b} preferred` : DASH
		];
	});
	return [
		'## Preferences per pair of checkpoints',
		'',
		table(
			['Comparison', 'Dimension', 'Wins', 'Ties', 'Losses', 'Win rate [95% CI]', 'p', 'Direction'],
			rows,
			'llrrrrrl'
		),
		'',
		'Wins, ties and losses of the first checkpoint against the second, pooled over both ' +
			'left/right presentation orders. Win rate: wins / (wins + losses), ties excluded, with a ' +
			'Wilson score 95% interval (Wilson 1927). p: exact two-sided sign test of an equal chance ' +
			'of winning (binomial test, ties excluded), not adjusted for multiple comparisons.',
		...noteLines(notes)
	].join('\n');
}

function bradleyTerrySection(a: PairwiseAnalysis, label: (key: string) => string): string {
	if (a.bradleyTerry.length === 0) return '';
	const notes = a.bradleyTerry.flatMap((row) => [
		...(row.converged ? [] : [`${label(row.dimension)}: did not converge.`]),
		...(row.identifiable
			? []
			: [
					`${label(row.dimension)}: some checkpoint never won or tied against another group, ` +
						'so strengths are not identifiable (0 or unbounded).'
				])
	]);
	return [
		'## Bradley–Terry strengths',
		'',
		table(
			['Dimension', 'Comparisons', ...a.checkpoints],
			a.bradleyTerry.map((row) => [
				label(row.dimension),
				String(row.comparisons),
				...a.checkpoints.map((cp) =>
					formatNumber(row.strengths.find((s) => s.checkpoint === cp)?.strength, 3)
				)
			])
		),
		'',
		'Strengths π per dimension (Bradley & Terry 1952), summing to 1, so that checkpoint i is ' +
			'preferred to j with probability πᵢ / (πᵢ + πⱼ); maximum-likelihood estimates by ' +
			"Hunter's (2004) MM algorithm, a tie counting as half a win for each side.",
		...noteLines(notes)
	].join('\n');
}

/**
 * A pairwise round as a Markdown report: overview; per pair of checkpoints and dimension the
 * wins, ties and losses, the win rate with its Wilson 95% interval and the exact sign-test p;
 * Bradley–Terry strengths when the round compares more than two checkpoints. Sections without
 * data are left out; numbers are formatted as in renderMarkdownReport.
 */
export function renderPairwiseReport(analysis: PairwiseAnalysis, meta: PairwiseReportMeta): string {
	const label = labeller(meta.dimensions ?? []);
	return (
		[
			overviewSection(analysis, meta),
			preferenceSection(analysis, label),
			bradleyTerrySection(analysis, label)
		]
			.filter((s) => s !== '')
			.join('\n\n') + '\n'
	);
}
