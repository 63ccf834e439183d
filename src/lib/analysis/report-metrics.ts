/**
 * Report sections of issue 14 (report.ts): paired tests on automatic metrics and the share of
 * acceptable letters. Pure string building.
 */

import { describeAcceptability } from '../domain/acceptability';
import type { LabelMetric, RougeMetric } from './metric-tests';
import { DASH, formatNumber, formatP, formatPercent, noteLines, table } from './report-format';
import type { StudyAnalysis } from './study';
import type { Alternative } from './wilcoxon';

export const METRIC_LABELS: Record<RougeMetric | LabelMetric, string> = {
	rouge1: 'ROUGE-1 F',
	rouge2: 'ROUGE-2 F',
	rougeL: 'ROUGE-L F',
	modality: 'Modality correct',
	icd10: 'ICD-10 code correct',
	icd10Category: 'ICD-10 category correct'
};

/** H₁ of x against y as a formula: "x > y", "x < y" or "x ≠ y". */
export function hypothesisText(x: string, y: string, alternative: Alternative): string {
	return `${x} ${alternative === 'greater' ? '>' : alternative === 'less' ? '<' : '≠'} ${y}`;
}

const pct = (x: number | null, lower: number | null, upper: number | null) =>
	x === null ? DASH : `${formatPercent(x)} [${formatPercent(lower)}, ${formatPercent(upper)}]`;

/** Differences of proportions in percentage points with their interval. */
const points = (x: number | null, lower: number | null, upper: number | null) =>
	x === null
		? DASH
		: `${formatNumber(100 * x, 1)} [${formatNumber(100 * lower!, 1)}, ${formatNumber(100 * upper!, 1)}]`;

export function metricTestsSection(a: StudyAnalysis): string {
	const tested = a.metricTests.filter(
		(m) => m.rouge.some((t) => t.n > 0) || m.labels.some((t) => t.n > 0)
	);
	if (tested.length === 0) return '';
	const notes: string[] = [];
	const rougeRows = tested.flatMap((m) =>
		m.rouge
			.filter((t) => t.n > 0)
			.map((t) => {
				if (t.note) notes.push(`${m.x} vs ${m.y}, ${METRIC_LABELS[t.metric]}: ${t.note}.`);
				return [
					`${m.x} vs ${m.y}`,
					METRIC_LABELS[t.metric],
					hypothesisText(m.x, m.y, m.alternative),
					String(t.n),
					formatNumber(t.statistic, 1),
					formatP(t.pValue),
					formatP(t.pHolm),
					formatNumber(t.effectSize, 2),
					formatNumber(t.medianDifference, 3)
				];
			})
	);
	const labelRows = tested.flatMap((m) =>
		m.labels
			.filter((t) => t.n > 0)
			.map((t) => [
				`${m.x} vs ${m.y}`,
				METRIC_LABELS[t.metric],
				hypothesisText(m.x, m.y, m.alternative),
				String(t.n),
				`${t.onlyX} / ${t.onlyY}`,
				`${formatPercent(t.px)} / ${formatPercent(t.py)}`,
				formatP(t.pValue),
				formatP(t.pHolm),
				points(t.difference, t.lower, t.upper)
			])
	);
	const parts = ['## Paired tests on automatic metrics'];
	if (rougeRows.length)
		parts.push(
			'',
			table(
				['Comparison', 'Metric', 'H₁', 'n', 'V', 'p', 'p (Holm)', 'r', 'Median diff.'],
				rougeRows,
				'lllrrrrrr'
			),
			'',
			'Wilcoxon signed-rank test on the per-case F-measure of the cases with a reference and a ' +
				'letter under both checkpoints (exact p without ties or zero differences and n < 50, ' +
				'otherwise the normal approximation with continuity correction; all-zero differences ' +
				'give p = 1). r: matched-pairs rank-biserial correlation, positive when the first ' +
				'checkpoint scores higher. Holm adjustment over the three ROUGE variants of each comparison.'
		);
	if (labelRows.length)
		parts.push(
			'',
			table(
				[
					'Comparison',
					'Label',
					'H₁',
					'n',
					'Discordant (first only / second only)',
					'Accuracy (first / second)',
					'p',
					'p (Holm)',
					'Difference, points [95% CI]'
				],
				labelRows,
				'lllrrrrrr'
			),
			'',
			'Exact McNemar test (binomial test on the discordant cases) of the extracted label being ' +
				'correct, on the cases with a gold label and a letter under both checkpoints; no ' +
				'discordant case gives p = 1. Difference: first − second accuracy in percentage points ' +
				"with Newcombe's paired score interval. Holm adjustment over the three labels of each " +
				'comparison.'
		);
	parts.push(...noteLines(notes));
	return parts.join('\n');
}

export function acceptabilitySection(a: StudyAnalysis): string {
	const acc = a.acceptability;
	if (!acc) return '';
	const parts = ['## Acceptable letters', '', describeAcceptability(acc)];
	if (acc.note) return [...parts, '', `Not computed: ${acc.note}.`].join('\n');
	parts.push(
		'',
		table(
			[
				'Checkpoint',
				'Letters',
				'Acceptable',
				'Share [95% Wilson CI]',
				'Left out',
				'Ratings',
				'Acceptable ratings [95% case-bootstrap CI]'
			],
			acc.rows.map((r) => [
				r.checkpoint,
				String(r.letters),
				String(r.acceptable),
				pct(r.share, r.lower, r.upper),
				String(r.excluded),
				String(r.ratings),
				r.ratingShare ? pct(r.ratingShare.estimate, r.ratingShare.lower, r.ratingShare.upper) : DASH
			])
		),
		'',
		'Share of letters with an acceptable verdict, with the Wilson score interval. Ratings: ' +
			"every rater's judgement counted on its own; its interval resamples cases (cluster " +
			'bootstrap), so the judgements of one letter by several raters stay together.'
	);
	const compared = acc.comparisons.filter((c) => c.n > 0);
	if (compared.length)
		parts.push(
			'',
			table(
				[
					'Comparison',
					'H₁',
					'n',
					'Both',
					'First only',
					'Second only',
					'Neither',
					'p',
					'Difference, points [95% CI]'
				],
				compared.map((c) => [
					`${c.a} vs ${c.b}`,
					hypothesisText(c.a, c.b, c.alternative),
					String(c.n),
					String(c.both),
					String(c.onlyA),
					String(c.onlyB),
					String(c.neither),
					formatP(c.pValue),
					points(c.difference, c.lower, c.upper)
				]),
				'llrrrrrrr'
			),
			'',
			'Exact McNemar test on the cases with a verdict under both checkpoints; difference of the ' +
				"shares with Newcombe's paired score interval."
		);
	return parts.join('\n');
}

/** "62.5% [40.9%, 79.9%]", for tables that show a share with its interval. */
export const shareWithCi = pct;
/** "12.5 [−3.1, 28.0]": a difference of proportions in percentage points with its interval. */
export const pointsWithCi = points;
