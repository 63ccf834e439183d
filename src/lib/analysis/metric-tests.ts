/**
 * Paired tests of two checkpoints on automatic metrics, case by case (issue 14): ROUGE-1/2/L
 * F-measure with the Wilcoxon signed-rank test, and the correctness of the extracted labels
 * (modality, ICD-10 code, ICD-10 3-character category) with the exact McNemar test. Two
 * families per comparison, each Holm-adjusted on its own: the ROUGE variants, and the labels.
 * Validated against R 4.2 (wilcox.test, binom.test, mcnemar.test, prop.test, p.adjust) in
 * tests/fixtures/make-metric-tests-reference.R.
 */

import { adjustPValues } from './adjust';
import { exactMcNemar, mcnemarChiSquare, pairedDifferenceCi } from './mcnemar';
import { compareStrings, finite } from './study/summary';
import { signedRankFigures, type Alternative, type SignedRankFigures } from './wilcoxon';

export const ROUGE_METRICS = ['rouge1', 'rouge2', 'rougeL'] as const;
export type RougeMetric = (typeof ROUGE_METRICS)[number];
export const LABEL_METRICS = ['modality', 'icd10', 'icd10Category'] as const;
export type LabelMetric = (typeof LABEL_METRICS)[number];

/** One output's automatic metrics; a metric is absent when its case has no reference or gold. */
export interface CaseMetricValues {
	/** F-measure against the case's reference. */
	rouge?: Partial<Record<RougeMetric, number>>;
	/** The extracted label equals the gold label. */
	correct?: Partial<Record<LabelMetric, boolean>>;
}

/** ROUGE F-measure compared case by case; `pHolm` is over the ROUGE family of the pair. */
export interface RougeTest extends SignedRankFigures {
	metric: RougeMetric;
}

export interface LabelTest {
	metric: LabelMetric;
	/** Cases with a gold label and a letter under both checkpoints. */
	n: number;
	/** Both correct, only x correct, only y correct, neither (the discordant pairs are onlyX, onlyY). */
	both: number;
	onlyX: number;
	onlyY: number;
	neither: number;
	/** Exact McNemar p (1 without discordant pairs). */
	pValue: number | null;
	/** Holm over the label family of this comparison. */
	pHolm: number | null;
	/** McNemar's χ² with continuity correction and its p (R's mcnemar.test), for reference. */
	chiSquare: number | null;
	chiSquareP: number | null;
	/** Accuracy of x and of y on these n cases. */
	px: number | null;
	py: number | null;
	/** px − py with Newcombe's paired 95% interval. */
	difference: number | null;
	lower: number | null;
	upper: number | null;
	note: string | null;
}

export interface MetricComparison {
	/** x: the first checkpoint (the one expected to be better under 'greater'). */
	x: string;
	y: string;
	alternative: Alternative;
	rouge: RougeTest[];
	labels: LabelTest[];
}

function rougeTest(
	metric: RougeMetric,
	xs: ReadonlyMap<string, CaseMetricValues>,
	ys: ReadonlyMap<string, CaseMetricValues>,
	caseIds: readonly string[],
	alternative: Alternative
): RougeTest {
	const x: number[] = [];
	const y: number[] = [];
	for (const id of caseIds) {
		const a = xs.get(id)?.rouge?.[metric];
		const b = ys.get(id)?.rouge?.[metric];
		if (a !== undefined && b !== undefined) {
			x.push(a);
			y.push(b);
		}
	}
	return {
		metric,
		...signedRankFigures(
			x,
			y,
			alternative,
			'no case with a reference and a letter under both checkpoints'
		)
	};
}

function labelTest(
	metric: LabelMetric,
	xs: ReadonlyMap<string, CaseMetricValues>,
	ys: ReadonlyMap<string, CaseMetricValues>,
	caseIds: readonly string[],
	alternative: Alternative,
	confidence: number
): LabelTest {
	const t = { both: 0, onlyX: 0, onlyY: 0, neither: 0 };
	for (const id of caseIds) {
		const a = xs.get(id)?.correct?.[metric];
		const b = ys.get(id)?.correct?.[metric];
		if (a === undefined || b === undefined) continue;
		if (a && b) t.both++;
		else if (a) t.onlyX++;
		else if (b) t.onlyY++;
		else t.neither++;
	}
	const n = t.both + t.onlyX + t.onlyY + t.neither;
	if (n === 0)
		return {
			metric,
			n,
			...t,
			pValue: null,
			pHolm: null,
			chiSquare: null,
			chiSquareP: null,
			px: null,
			py: null,
			difference: null,
			lower: null,
			upper: null,
			note: 'no case with a gold label and a letter under both checkpoints'
		};
	const d = pairedDifferenceCi(t, confidence);
	const chi = mcnemarChiSquare(t.onlyX, t.onlyY);
	return {
		metric,
		n,
		...t,
		pValue: exactMcNemar(t.onlyX, t.onlyY, alternative),
		pHolm: null,
		chiSquare: finite(chi.statistic),
		chiSquareP: finite(chi.pValue),
		px: d.px,
		py: d.py,
		difference: d.estimate,
		lower: d.lower,
		upper: d.upper,
		note: t.onlyX + t.onlyY === 0 ? 'no discordant pair: p = 1' : null
	};
}

/** Holm over the tests of one family that have a p-value, written into pHolm. */
function holm(tests: { pValue: number | null; pHolm: number | null }[]): void {
	const adjusted = adjustPValues(
		tests.map((t) => t.pValue ?? Number.NaN),
		'holm'
	);
	tests.forEach((t, i) => (t.pHolm = finite(adjusted[i])));
}

/**
 * Checkpoint x against checkpoint y on the cases both have:
 * - ROUGE-1, ROUGE-2, ROUGE-L F-measure: Wilcoxon signed-rank on x − y (wilcoxon.ts: exact for
 *   n < 50 without ties or zero differences, else the normal approximation with continuity
 *   correction, as R's wilcox.test(paired = TRUE)); all-zero differences give p = 1 (R: NA).
 *   Effect size: matched-pairs rank-biserial correlation.
 * - modality, ICD-10 code, ICD-10 category correctness: exact McNemar test on the discordant
 *   pairs (binom.test); no discordant pair gives p = 1. Effect size: difference in accuracy with
 *   Newcombe's paired score interval (mcnemar.ts).
 * 'greater' means x is better (higher ROUGE, more often correct). Holm within each family.
 */
export function compareMetrics(
	x: string,
	y: string,
	xs: ReadonlyMap<string, CaseMetricValues>,
	ys: ReadonlyMap<string, CaseMetricValues>,
	alternative: Alternative = 'two-sided',
	confidence = 0.95
): MetricComparison {
	const caseIds = [...xs.keys()].filter((id) => ys.has(id)).sort(compareStrings);
	const rouge = ROUGE_METRICS.map((m) => rougeTest(m, xs, ys, caseIds, alternative));
	const labels = LABEL_METRICS.map((m) => labelTest(m, xs, ys, caseIds, alternative, confidence));
	holm(rouge);
	holm(labels);
	return { x, y, alternative, rouge, labels };
}
