/**
 * The report's confirmatory section (preregistered.ts computes what it shows): the plan, its
 * hash, whether the analysis ran on exactly the locked plan, and the planned tests, or the
 * opt-out; and the split of the report into that section and everything exploratory.
 */
import { describePlan, type AnalysisPlan, type PlannedComparison } from '../domain/analysis-plan';
import type { ConfirmatoryResult, PreferenceCounts, Preregistration } from './preregistered';
import { formatNumber, formatP, formatPercent, table } from './report-format';
import type { StudyAnalysis } from './study';

const relation = (c: PlannedComparison) =>
	`${c.better} ${c.alternative === 'greater' ? '>' : '≠'} ${c.than}`;

/** "62.5% [40.9%, 79.8%]"; a dash without a decisive judgement. */
function winRateText(w: PreferenceCounts['winRate']): string {
	return w.estimate === null
		? formatPercent(null)
		: `${formatPercent(w.estimate)} [${formatPercent(w.lower)}, ${formatPercent(w.upper)}]`;
}

/** The confirmatory table: scores (V, r) or preferences (wins, ties, losses, win rate). */
function confirmatoryTable(results: ConfirmatoryResult[], plan: AnalysisPlan): string {
	const alpha = plan.alpha;
	const tail = (r: ConfirmatoryResult) => [
		formatP(r.pValue),
		formatP(r.pAdjusted),
		r.significant ? 'yes' : 'no'
	];
	if (plan.primary.test === 'sign-test')
		return table(
			[
				'Role',
				'Comparison',
				'Dimension',
				'Wins',
				'Ties',
				'Losses',
				'Win rate [95% CI]',
				'p',
				'p adjusted',
				`p ≤ ${alpha}`
			],
			results.map((r) => {
				const pref = r.preference ?? {
					wins: 0,
					ties: 0,
					losses: 0,
					winRate: { estimate: null, lower: 0, upper: 1 }
				};
				return [
					r.role,
					relation(r.comparison),
					r.comparison.dimension,
					String(pref.wins),
					String(pref.ties),
					String(pref.losses),
					winRateText(pref.winRate),
					...tail(r)
				];
			}),
			'lllrrrrrrl'
		);
	return table(
		['Role', 'Comparison', 'Dimension', 'n', 'V', 'p', 'p adjusted', 'r', `p ≤ ${alpha}`],
		results.map((r) => [
			r.role,
			relation(r.comparison),
			r.comparison.dimension,
			String(r.n),
			formatNumber(r.statistic, 1),
			formatP(r.pValue),
			formatP(r.pAdjusted),
			formatNumber(r.effectSize),
			r.significant ? 'yes' : 'no'
		]),
		'lllrrrrrl'
	);
}

/** The section the report opens with: the confirmatory results, or the opt-out. */
export function renderPreregistration(pre: Preregistration, analysis?: StudyAnalysis): string {
	if (pre.kind === 'none')
		return '## No pre-registered plan\n\nThis round was unblinded before plans were recorded: every result below is exploratory.';
	if (pre.kind === 'opted-out')
		return `## No pre-registered plan\n\nThe coordinator opted this round out of pre-registration (reason: ${pre.reason}). Every result below is exploratory.`;
	const lines = [
		'## Confirmatory analysis (pre-registered)',
		'',
		`Plan SHA-256 \`${pre.sha256}\`, locked ${pre.lockedAt}. ` +
			(pre.matchesLocked
				? 'This analysis ran on exactly the locked plan (hash recomputed and equal).'
				: '**The stored plan no longer hashes to the locked hash: these results are not confirmatory.**'),
		'',
		...describePlan(pre.plan).map((l) => `- ${l}`)
	];
	if (pre.excludedRaters.length)
		lines.push(
			'',
			`Raters excluded by the plan's completion rule: ${pre.excludedRaters.join(', ')}.`
		);
	lines.push('', confirmatoryTable(pre.results, pre.plan));
	if (analysis && pre.plan.agreement.includes('krippendorff-alpha'))
		lines.push(
			'',
			`Krippendorff's ordinal alpha (pre-specified): ` +
				analysis.agreement
					.map((a) => `${a.dimension} ${formatNumber(a.alpha?.estimate ?? null)}`)
					.join('; ') +
				'.'
		);
	const other = pre.plan.agreement.filter((a) => a !== 'krippendorff-alpha');
	if (other.length)
		lines.push('', `Also pre-specified, in the agreement section below: ${other.join(', ')}.`);
	return lines.join('\n');
}

/**
 * Puts the pre-registration section after the report's title block and labels the rest
 * exploratory (the report's own sections start with "## ").
 */
export function withPreregistration(report: string, section: string): string {
	const at = report.indexOf('\n## ');
	const head = at < 0 ? report : report.slice(0, at);
	const rest = at < 0 ? '' : report.slice(at + 1);
	return [
		head.trimEnd(),
		'',
		section,
		'',
		'# Exploratory analysis',
		'',
		'Everything from here on was not pre-registered: read it as exploratory.',
		'',
		rest
	].join('\n');
}
