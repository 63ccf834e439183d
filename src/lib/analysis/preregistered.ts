/**
 * The confirmatory part of a round's analysis: the comparisons its locked, pre-registered plan
 * names (domain/analysis-plan.ts), read from a StudyAnalysis run with the plan's aggregate and
 * one-sided hypotheses, with the plan's multiplicity correction over the secondary family, and
 * the Markdown section that opens the report. Everything else in the report is exploratory.
 */
import { describePlan, type AnalysisPlan, type PlannedComparison } from '../domain/analysis-plan';
import { adjustPValues } from './adjust';
import { formatNumber, formatP, table } from './report-format';
import type { Hypothesis } from './study/comparisons';
import type { StudyAnalysis } from './study';

export interface ConfirmatoryResult {
	role: 'primary' | 'secondary';
	comparison: PlannedComparison;
	/** Cases with a per-case score under both checkpoints. */
	n: number;
	/** V for x = better, y = than. */
	statistic: number | null;
	pValue: number | null;
	/** The primary's own p; Holm- or BH-adjusted over the secondary family; as is for 'none'. */
	pAdjusted: number | null;
	/** Rank-biserial r, positive when `better` scores higher. */
	effectSize: number | null;
	/** p (adjusted) ≤ α. */
	significant: boolean;
}

export type Preregistration =
	| {
			kind: 'plan';
			plan: AnalysisPlan;
			sha256: string;
			lockedAt: string;
			/** The hash recomputed from the stored plan equals the one recorded at locking. */
			matchesLocked: boolean;
			/** Raters left out by the plan's completion rule. */
			excludedRaters: string[];
			results: ConfirmatoryResult[];
	  }
	| { kind: 'opted-out'; reason: string }
	| { kind: 'none' };

/** The plan's one-sided comparisons as the analysis's hypotheses (each pair once). */
export function planHypotheses(plan: AnalysisPlan): Hypothesis[] {
	const out = new Map<string, Hypothesis>();
	for (const c of [plan.primary, ...plan.secondary])
		if (c.alternative === 'greater')
			out.set(`${c.better}\u0000${c.than}`, { better: c.better, than: c.than });
	return [...out.values()];
}

function testOf(analysis: StudyAnalysis, c: PlannedComparison) {
	const pair = analysis.paired.find(
		(p) => (p.a === c.better && p.b === c.than) || (p.a === c.than && p.b === c.better)
	);
	const test = pair?.tests.find((t) => t.dimension === c.dimension);
	const flip = pair?.a !== c.better;
	return {
		n: test?.n ?? 0,
		statistic: test?.statistic ?? null,
		pValue: test?.pValue ?? null,
		effectSize: test?.effectSize == null ? null : flip ? -test.effectSize : test.effectSize
	};
}

/**
 * Reads the planned comparisons from an analysis run with `planHypotheses(plan)` and the plan's
 * aggregate. The primary is tested alone at α; the secondaries are one family under the plan's
 * correction (Holm 1979 or Benjamini–Hochberg 1995, adjust.ts).
 */
export function confirmatoryResults(
	plan: AnalysisPlan,
	analysis: StudyAnalysis
): ConfirmatoryResult[] {
	const primary = testOf(analysis, plan.primary);
	const secondary = plan.secondary.map((c) => testOf(analysis, c));
	const raw = secondary.map((t) => t.pValue ?? Number.NaN);
	const adjusted =
		plan.correction === 'none' ? raw : adjustPValues(raw, plan.correction === 'bh' ? 'BH' : 'holm');
	const result = (
		role: ConfirmatoryResult['role'],
		comparison: PlannedComparison,
		t: ReturnType<typeof testOf>,
		pAdjusted: number | null
	): ConfirmatoryResult => ({
		role,
		comparison,
		...t,
		pAdjusted,
		significant: pAdjusted !== null && pAdjusted <= plan.alpha
	});
	return [
		result('primary', plan.primary, primary, primary.pValue),
		...plan.secondary.map((c, i) =>
			result('secondary', c, secondary[i]!, Number.isNaN(adjusted[i]!) ? null : adjusted[i]!)
		)
	];
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
	lines.push(
		'',
		table(
			[
				'Role',
				'Comparison',
				'Dimension',
				'n',
				'V',
				'p',
				'p adjusted',
				'r',
				`p ≤ ${pre.plan.alpha}`
			],
			pre.results.map((r) => [
				r.role,
				`${r.comparison.better} ${r.comparison.alternative === 'greater' ? '>' : '≠'} ${r.comparison.than}`,
				r.comparison.dimension,
				String(r.n),
				formatNumber(r.statistic, 1),
				formatP(r.pValue),
				formatP(r.pAdjusted),
				formatNumber(r.effectSize),
				r.significant ? 'yes' : 'no'
			]),
			'lllrrrrrl'
		)
	);
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
