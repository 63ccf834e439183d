// Over 300 lines: one report, a section per table, in the order the paper reads.
/**
 * Paper-style Markdown report of a StudyAnalysis: one table per result, with the methods stated
 * under each table so the report can be read without the code. Pure string building.
 */

import {
	DASH,
	formatCi,
	formatNumber,
	formatP,
	formatPercent,
	labeller,
	median,
	noteLines,
	plural,
	scaleText,
	table
} from './report-format';
import { classificationSection, correctionSection, rougeSection } from './report-text';
import { acceptabilitySection, metricTestsSection } from './report-metrics';
import { scaleOfDimension, type IccRow, type StudyAnalysis, type StudyOverview } from './study';

export { formatNumber, formatP, formatPercent } from './report-format';
export { renderPairwiseReport } from './pairwise-report';
export type { PairwiseReportMeta } from './pairwise-report';

export interface ReportMeta {
	study: string;
	round: string;
	generatedAt: string;
}

/** More kappa rows than this are left to the JSON export. */
const MAX_KAPPA_ROWS = 60;

function overviewSection(a: StudyAnalysis, meta: ReportMeta): string {
	const o = a.overview;
	const ignored = o.ignored.unknownCheckpoint + o.ignored.unknownDimension;
	const lines = [
		`# ${meta.study} — ${meta.round}`,
		'',
		`Generated ${meta.generatedAt}.`,
		'',
		`${o.ratings.toLocaleString('en')} ratings by ${o.raters} raters of ${o.items} items ` +
			`(${o.cases} cases; checkpoints: ${o.checkpoints.join(', ')}) on ` +
			`${o.dimensions.length} dimensions, ${scalesText(o)}.` +
			(o.repeatRatings > 0
				? ` ${plural(o.repeatRatings, 'rating')} of repeated items served intra-rater agreement only` +
					(o.unmatchedRepeats > 0 ? ` (${o.unmatchedRepeats} without a first rating).` : '.')
				: '') +
			(ignored > 0
				? ` ${plural(ignored, 'rating')} with a checkpoint or dimension outside the analysis plan were left out.`
				: ''),
		'',
		`Per-case scores are the ${o.aggregate} over raters. Intervals are 95% bootstrap percentile ` +
			`intervals (${o.bootstrapReplicates} replicates, seed \`${o.seed}\`).`
	];
	if (o.hypotheses.length > 0) {
		lines.push(
			'',
			`Pre-registered one-sided hypotheses: ${o.hypotheses.map((h) => `${h.better} > ${h.than}`).join('; ')}.`
		);
	}
	return lines.join('\n');
}

function ratingsSection(a: StudyAnalysis): string {
	const o = a.overview;
	const find = (cp: string, dim: string) =>
		a.descriptives.find((d) => d.checkpoint === cp && d.dimension === dim);
	const means = table(
		['Checkpoint', ...o.dimensions.map((d) => d.label)],
		o.checkpoints.map((cp) => [
			cp,
			...o.dimensions.map((d) => {
				const c = find(cp, d.key);
				return c?.meanCi ? formatCi(c.meanCi.estimate, c.meanCi.lower, c.meanCi.upper) : DASH;
			})
		])
	);
	const parts = [
		'## Ratings',
		'',
		'### Mean rating [95% CI]',
		'',
		means,
		'',
		'Mean of all ratings; the interval resamples cases (cluster bootstrap), so ratings of one ' +
			'case stay together.',
		'',
		'### Score distributions',
		''
	];
	for (const d of o.dimensions) {
		const scale = scaleOfDimension(o, d.key);
		parts.push(
			`**${d.label}**`,
			'',
			table(
				['Checkpoint', 'n', ...scale.map(String), 'Median (IQR)'],
				o.checkpoints.map((cp) => {
					const c = find(cp, d.key);
					const n = c?.summary.n ?? 0;
					return [
						cp,
						String(n),
						...scale.map((_, i) => {
							const k = c?.counts[i] ?? 0;
							return n > 0 ? `${k} (${formatPercent(k / n)})` : '0';
						}),
						c ? median(c.summary, 1) : DASH
					];
				})
			),
			''
		);
	}
	return parts.join('\n').trimEnd();
}

function pairedSection(a: StudyAnalysis): string {
	if (a.paired.length === 0) return '';
	const label = labeller(a.overview.dimensions);
	const notes: string[] = [];
	const rows = a.paired.flatMap((pair) =>
		pair.tests.map((t) => {
			const h =
				t.alternative === 'greater'
					? `${pair.a} > ${pair.b}`
					: t.alternative === 'less'
						? `${pair.a} < ${pair.b}`
						: `${pair.a} ≠ ${pair.b}`;
			if (t.note) notes.push(`${pair.a} vs ${pair.b}, ${label(t.dimension)}: ${t.note}.`);
			return [
				`${pair.a} vs ${pair.b}`,
				label(t.dimension),
				h,
				String(t.n),
				formatNumber(t.statistic, 1),
				formatP(t.pValue),
				formatP(t.pHolm),
				formatNumber(t.effectSize, 2),
				formatNumber(t.medianDifference, 2),
				t.higher ? `${t.higher} higher` : DASH
			];
		})
	);
	return [
		'## Paired comparisons',
		'',
		table(
			[
				'Comparison',
				'Dimension',
				'H₁',
				'n',
				'V',
				'p',
				'p (Holm)',
				'r',
				'Median diff.',
				'Direction'
			],
			rows,
			'lllrrrrrrl'
		),
		'',
		`Wilcoxon signed-rank test on per-case ${a.overview.aggregate} scores of the cases rated ` +
			'under both checkpoints (exact p without ties or zero differences, otherwise the normal ' +
			'approximation with continuity correction). r: matched-pairs rank-biserial correlation, ' +
			'positive when the first checkpoint scores higher; median diff.: first − second. Holm ' +
			'adjustment over the dimensions of each comparison.',
		...noteLines(notes)
	].join('\n');
}

function friedmanSection(a: StudyAnalysis): string {
	if (a.friedman.length === 0) return '';
	const label = labeller(a.overview.dimensions);
	const cps = a.overview.checkpoints;
	const notes = a.friedman.flatMap((f) => (f.note ? [`${label(f.dimension)}: ${f.note}.`] : []));
	return [
		'## Friedman test',
		'',
		table(
			['Dimension', 'n', 'χ²', 'df', 'p', ...cps.map((c) => `Mean rank ${c}`)],
			a.friedman.map((f) => [
				label(f.dimension),
				String(f.n),
				formatNumber(f.statistic, 2),
				String(f.df),
				formatP(f.pValue),
				...f.meanRanks.map((m) => formatNumber(m.meanRank, 2))
			])
		),
		'',
		'Across all checkpoints, on cases rated under every checkpoint (tie-corrected).',
		...noteLines(notes)
	].join('\n');
}

const iccCi = (row: IccRow | undefined) => (row ? formatCi(row.value, row.lower, row.upper) : DASH);

function agreementSection(a: StudyAnalysis): string {
	if (a.agreement.length === 0) return '';
	const label = labeller(a.overview.dimensions);
	const main = table(
		[
			'Dimension',
			'Raters',
			'Items',
			'α ordinal [95% CI]',
			'ICC(2,1) [95% CI]',
			'ICC(2,k)',
			'ICC block',
			'κw median (range; pairs)',
			'Exact',
			'Within one'
		],
		a.agreement.map((g) => {
			const k = g.kappa.summary;
			return [
				label(g.dimension),
				String(g.raters),
				String(g.items),
				g.alpha ? formatCi(g.alpha.estimate, g.alpha.lower, g.alpha.upper) : DASH,
				iccCi(g.icc?.forms.ICC2),
				formatNumber(g.icc?.forms.ICC2k.value, 2),
				g.icc ? `${g.icc.raters} × ${g.icc.items}` : DASH,
				k.n === 0
					? DASH
					: `${formatNumber(k.median, 2)} (${formatNumber(k.min, 2)} to ${formatNumber(k.max, 2)}; ${k.n}${g.kappa.subsampled ? ` of ${g.kappa.eligiblePairs}` : ''})`,
				formatPercent(g.exact.proportion),
				formatPercent(g.withinOne.proportion)
			];
		})
	);
	const parts = [
		'## Inter-rater agreement',
		'',
		main,
		'',
		"α: Krippendorff's alpha, ordinal, all raters and items (missing ratings allowed); interval " +
			'by a bootstrap over items. ICC: Shrout & Fleiss two-way random effects, absolute ' +
			'agreement, single rater (2,1) and mean of k raters (2,k), on the largest complete block ' +
			'of raters × items. κw: quadratic-weighted Cohen kappa per rater pair with at least ' +
			`${a.agreement[0]!.kappa.minShared} shared items. Exact / within one: share of rater ` +
			'pairs per item whose scores are equal / differ by at most one.'
	];
	const kappaRows = a.agreement.flatMap((g) =>
		g.kappa.pairs.map((p) => [
			label(g.dimension),
			p.raterA,
			p.raterB,
			String(p.n),
			formatNumber(p.kappa, 2)
		])
	);
	if (kappaRows.length > 0 && kappaRows.length <= MAX_KAPPA_ROWS) {
		parts.push(
			'',
			'### Weighted kappa per rater pair',
			'',
			table(['Dimension', 'Rater A', 'Rater B', 'Shared items', 'κw'], kappaRows, 'lllrr')
		);
	} else if (kappaRows.length > MAX_KAPPA_ROWS) {
		parts.push('', `Kappa for each of the ${kappaRows.length} rater pairs is in the JSON export.`);
	}
	if (a.agreement.some((g) => g.intraRater.pairs > 0)) {
		parts.push(
			'',
			'### Intra-rater agreement',
			'',
			table(
				['Dimension', 'Repeated ratings', 'Raters', 'Identical', 'κw'],
				a.agreement.map((g) => [
					label(g.dimension),
					String(g.intraRater.pairs),
					String(g.intraRater.raters),
					formatPercent(g.intraRater.identical),
					formatNumber(g.intraRater.kappa, 2)
				])
			),
			'',
			'Items shown twice to the same rater: first against repeated score, quadratic-weighted ' +
				'kappa pooled over raters.'
		);
	}
	return parts.join('\n');
}

function timeSection(a: StudyAnalysis): string {
	if (!a.timePerItem.some((t) => t.seconds.n > 0)) return '';
	return [
		'## Time per item',
		'',
		table(
			['Checkpoint', 'n', 'Mean (SD), s', 'Median (IQR), s'],
			a.timePerItem.map((t) => [
				t.checkpoint,
				String(t.seconds.n),
				t.seconds.mean === null
					? DASH
					: `${formatNumber(t.seconds.mean, 1)} (${formatNumber(t.seconds.sd, 1)})`,
				median(t.seconds, 1)
			])
		),
		'',
		'One value per rater and item (first showings).'
	].join('\n');
}

/**
 * The analysis as a Markdown report: overview, mean ratings with intervals and score
 * distributions, paired Wilcoxon tests, Friedman tests, agreement, ROUGE, label extraction with
 * confusion matrices, correction effort and time per item. Sections without data are left out.
 * Numbers: means and effect sizes 2 decimals, text metrics 3, p-values "< 0.001" or 3 decimals,
 * missing values an em dash.
 */
export function renderMarkdownReport(analysis: StudyAnalysis, meta: ReportMeta): string {
	return (
		[
			overviewSection(analysis, meta),
			ratingsSection(analysis),
			pairedSection(analysis),
			acceptabilitySection(analysis),
			friedmanSection(analysis),
			agreementSection(analysis),
			rougeSection(analysis),
			classificationSection(analysis),
			metricTestsSection(analysis),
			correctionSection(analysis),
			timeSection(analysis)
		]
			.filter((s) => s !== '')
			.join('\n\n') + '\n'
	);
}

/** "scale 1–4", or each dimension's own scale when the form mixes them. */
function scalesText(o: StudyOverview): string {
	if (!o.scales) return `scale ${scaleText(o.scale)}`;
	const each = o.dimensions.map((d) => `${d.label} ${scaleText(scaleOfDimension(o, d.key))}`);
	return `scales ${each.join('; ')}`;
}
