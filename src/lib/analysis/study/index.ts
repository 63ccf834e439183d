// Over 300 lines: one pipeline over the sections of a study analysis (one file each).
/**
 * Study analysis: turns the ratings, outputs and cases of one unblinded study into the tables of
 * the paper, using the validated statistics of this folder (docs/statistics.md,
 * docs/text-metrics.md) rather than new formulas. Pure: no I/O and no clock (timings come in
 * through `AnalysisHooks`). Every number in the result is finite or null, so the result survives
 * JSON.stringify / JSON.parse unchanged.
 *
 * Conventions that hold throughout:
 * - A rating row with `repeatOf` set is a repeated showing of an item to the same rater; it is
 *   used only for intra-rater agreement, never in means, tests or inter-rater agreement, so no
 *   rater counts twice for one item.
 * - Rows whose checkpoint or dimension is not in the config are left out (and counted in
 *   `overview.ignored`), so a config that lists a subset of checkpoints analyses exactly that.
 * - Raters, items and cases are ordered by their identifiers (code-unit order), not by input
 *   order, so that seeded bootstraps give the same interval whatever order an export has.
 * - Each bootstrap resamples once for all the intervals it serves, so they are jointly
 *   distributed: cases for every mean (seed `${seed}/means`; the intervals of one cell do not
 *   move when a checkpoint rated on the same cases is added), items for every dimension's alpha
 *   (`${seed}/alpha`). Kappa's pair subsample uses `${seed}/kappa-pairs/${dimension}`.
 * - Statistics come from the library functions; where a library function would be called
 *   thousands of times on large panels (bootstrap replicates, percent agreement beyond 40 raters)
 *   an equivalent computation from counts is used and checked against the library — at run
 *   time for alpha and the bootstrap, in the tests for percent agreement.
 *
 * This file checks the configuration and runs the sections in order; each section lives in its
 * own module in this folder: prepare (rows → dense arrays), descriptives, comparisons
 * (Wilcoxon + Holm, Friedman), agreement (with ../agreement-counts and ../complete-block),
 * text (ROUGE, correction effort), classification, time; shared shapes and the joint bootstrap
 * in summary.
 */

import { DEFAULT_EXTRACTION_RULES, type ExtractionRules } from '../label-extraction';
import type { RougeTokenizer } from '../rouge';
import { agreementSection, type DimensionAgreement } from './agreement';
import { classificationSection, type ClassificationRow } from './classification';
import {
	alternativeFor,
	caseScores,
	friedmanSection,
	pairedSection,
	type FriedmanRow,
	type Hypothesis,
	type PairComparison,
	type ScoreAggregate
} from './comparisons';
import { descriptivesSection, type DescriptiveCell } from './descriptives';
import { byScale, cellCounts, prepare, type Prepared, type RatingRow } from './prepare';
import {
	correctionSection,
	outputIndex,
	rougeSection,
	type CaseRow,
	type CorrectionRow,
	type OutputRow,
	type RougeRow
} from './text';
import { timeSection, type TimeRow } from './time';
import type { AcceptabilitySettings } from '../../domain/acceptability';
import { compareMetrics, type MetricComparison } from '../metric-tests';
import { metricValues, perCaseMetrics } from '../per-case-metrics';
import { acceptabilitySection, type AcceptabilityResult } from './acceptability';

export { jointBootstrap } from './summary';
export type { Interval, MeanSd, Summary } from './summary';
export type { RatingRow } from './prepare';
export type { DescriptiveCell } from './descriptives';
export type {
	FriedmanRow,
	Hypothesis,
	PairComparison,
	PairedTest,
	ScoreAggregate
} from './comparisons';
export type {
	DimensionAgreement,
	IccResult,
	IccRow,
	IntraRater,
	KappaPair,
	PairwiseKappa,
	PercentAgreement
} from './agreement';
export type { CaseRow, CorrectionRow, OutputRow, RougeRow } from './text';
export { NO_LABEL } from './classification';
export type { ClassificationRow, ClassificationTask } from './classification';
export type { TimeRow } from './time';
export type {
	AcceptabilityComparison,
	AcceptabilityResult,
	AcceptabilityRow
} from './acceptability';
export type { LabelTest, MetricComparison, RougeTest } from '../metric-tests';

export interface AnalysisConfig {
	/** Bootstrap seed. */
	seed: string;
	/** Per-case score over raters for the paired and Friedman tests. Default 'mean'. */
	aggregate?: ScoreAggregate;
	/**
	 * Pre-registered one-sided hypotheses: { better: 'ft', than: 'base' } tests x = ft against
	 * y = base with alternative 'greater'. Pairs not listed are tested two-sided.
	 */
	hypotheses?: Hypothesis[];
	/** Bootstrap replicates for every interval. Default 2000. */
	bootstrapReplicates?: number;
	rouge?: { stemmer?: boolean; tokenizer?: RougeTokenizer };
	/** Default DEFAULT_EXTRACTION_RULES. */
	extraction?: ExtractionRules;
	/** `scale`: this dimension's own scale in order (domain/scales.ts), instead of `scale`. */
	dimensions: { key: string; label: string; scale?: number[] }[];
	checkpoints: string[];
	/** The rating scale in order. Default [1, 2, 3, 4]; a score outside it throws. */
	scale?: number[];
	/**
	 * At most this many rater pairs get a pairwise weighted kappa per dimension (a seeded random
	 * subset of the eligible pairs, flagged `subsampled`). Default: all pairs. The number of pairs
	 * grows with the square of the raters (200 raters: 19,900 pairs), each costing a pass over
	 * the shared items.
	 */
	maxKappaPairs?: number;
	/** What makes a letter acceptable; no acceptability section without it. */
	acceptability?: AcceptabilitySettings;
}

export type StudySection =
	| 'prepare'
	| 'descriptives'
	| 'paired'
	| 'friedman'
	| 'agreement'
	/** Includes scoring every output once (ROUGE, extracted labels), which the next reuse. */
	| 'rouge'
	| 'classification'
	| 'correctionEffort'
	| 'timePerItem'
	| 'metricTests'
	| 'acceptability';

/** Optional instrumentation; the caller supplies the clock so this module stays pure. */
export interface AnalysisHooks {
	now: () => number;
	onSection: (section: StudySection, milliseconds: number) => void;
}

export interface StudyOverview {
	checkpoints: string[];
	dimensions: { key: string; label: string }[];
	scale: number[];
	/**
	 * Each dimension's scale, by key, when some dimension is not on `scale` (scaleOfDimension
	 * reads it); absent when every dimension is on `scale`, as before scales.
	 */
	scales?: Record<string, number[]>;
	aggregate: ScoreAggregate;
	seed: string;
	bootstrapReplicates: number;
	hypotheses: Hypothesis[];
	/** Ratings analysed (first showings of items with a known checkpoint and dimension). */
	ratings: number;
	/** Ratings of repeated showings (used for intra-rater agreement only). */
	repeatRatings: number;
	/** Repeat ratings whose first showing by the same rater and dimension was not found. */
	unmatchedRepeats: number;
	raters: number;
	cases: number;
	items: number;
	ignored: { unknownCheckpoint: number; unknownDimension: number };
}

export interface StudyAnalysis {
	overview: StudyOverview;
	descriptives: DescriptiveCell[];
	paired: PairComparison[];
	friedman: FriedmanRow[];
	agreement: DimensionAgreement[];
	rouge: RougeRow[];
	classification: ClassificationRow[];
	correctionEffort: CorrectionRow[];
	timePerItem: TimeRow[];
	/** Paired tests on automatic metrics per pair of checkpoints (metric-tests.ts). */
	metricTests: MetricComparison[];
	/** Share of acceptable letters; null when the study defines no acceptability rule. */
	acceptability: AcceptabilityResult | null;
}

const DEFAULT_SCALE = [1, 2, 3, 4];

function replicatesOf(config: { bootstrapReplicates?: number }): number {
	const b = config.bootstrapReplicates ?? 2000;
	if (!Number.isInteger(b) || b < 1) throw new RangeError('bootstrapReplicates must be ≥ 1');
	return b;
}

function maxPairsOf(config: { maxKappaPairs?: number }): number {
	const m = config.maxKappaPairs ?? Number.POSITIVE_INFINITY;
	if (!(m === Number.POSITIVE_INFINITY || (Number.isInteger(m) && m >= 0))) {
		throw new RangeError('maxKappaPairs must be a non-negative integer');
	}
	return m;
}

/**
 * The paper's tables for one unblinded study (see the types for each field):
 * - descriptives: per checkpoint × dimension, describe() of all ratings, counts per scale value
 *   and the mean with a seeded cluster-bootstrap 95% interval resampling cases;
 * - paired: Wilcoxon signed-rank tests per checkpoint pair × dimension on per-case scores
 *   (mean or median over raters), one-sided where `hypotheses` says so, Holm within each pair;
 * - friedman: per dimension over all checkpoints (complete cases), when there are ≥ 3;
 * - agreement: per dimension, Krippendorff's ordinal alpha with a bootstrap over items, ICC on
 *   the largest complete block, quadratic-weighted Cohen's kappa per rater pair sharing ≥ 5
 *   items, exact and within-one agreement, intra-rater agreement on repeated items;
 * - rouge, classification, correctionEffort, timePerItem: per checkpoint.
 * Throws RangeError on inconsistent input: scores off the scale, duplicate ratings, an item
 * under two cases or checkpoints, duplicate outputs, hypotheses naming unknown checkpoints.
 */
export function analyzeStudy(
	ratings: readonly RatingRow[],
	outputs: readonly OutputRow[],
	cases: readonly CaseRow[],
	config: AnalysisConfig,
	hooks?: AnalysisHooks
): StudyAnalysis {
	let mark = hooks?.now() ?? 0;
	const lap = (section: StudySection) => {
		if (!hooks) return;
		const now = hooks.now();
		hooks.onSection(section, now - mark);
		mark = now;
	};
	const replicates = replicatesOf(config);
	const maxKappaPairs = maxPairsOf(config);
	const aggregate = config.aggregate ?? 'mean';
	const hypotheses = config.hypotheses ?? [];
	const scale = config.scale ?? DEFAULT_SCALE;
	for (const h of hypotheses) {
		for (const name of [h.better, h.than]) {
			if (!config.checkpoints.includes(name)) {
				throw new RangeError(`hypothesis names unknown checkpoint '${name}'`);
			}
		}
		if (h.better === h.than) throw new RangeError(`hypothesis compares ${h.better} with itself`);
	}
	const dimensionKeys = config.dimensions.map((d) => d.key);
	const scales = config.dimensions.map((d) => d.scale ?? scale);
	const p = prepare(ratings, dimensionKeys, config.checkpoints, scales);
	// The rating sections run once per scale (one pass for a form on one scale), in form order.
	const groups = byScale(p);
	const counts = groups.map(({ view }) => cellCounts(view));
	lap('prepare');

	const descriptives = inFormOrder(
		p,
		groups.map(({ view }, g) => descriptivesSection(view, counts[g]!, config.seed, replicates))
	);
	lap('descriptives');
	const perCase = new Array<Float64Array>(p.dimensions.length);
	groups.forEach(({ view, dims }, g) =>
		caseScores(view, counts[g]!, aggregate).forEach((x, j) => (perCase[dims[j]!] = x))
	);
	const paired = pairedSection(p, perCase, hypotheses);
	lap('paired');
	const friedmanRows = friedmanSection(p, perCase);
	lap('friedman');
	const agreementOpts = { seed: config.seed, replicates, maxKappaPairs };
	const agreement = agreementByScale(p, agreementOpts);
	lap('agreement');

	const byCp = outputIndex(outputs, config.checkpoints);
	// ROUGE and the extracted labels of every output, computed once: the ROUGE and classification
	// tables, and the paired tests on automatic metrics, all read these.
	const scored = perCaseMetrics(outputs, cases, config.checkpoints, {
		rouge: config.rouge,
		extraction: config.extraction
	});
	const rouge = rougeSection(scored, config.checkpoints, cases);
	lap('rouge');
	const classification = classificationSection(
		scored,
		config.checkpoints,
		cases,
		config.extraction ?? DEFAULT_EXTRACTION_RULES
	);
	lap('classification');
	const correctionEffort = correctionSection(byCp, config.checkpoints);
	lap('correctionEffort');
	const timePerItem = timeSection(p);
	lap('timePerItem');
	const values = metricValues(scored);
	const metricTests = config.checkpoints.flatMap((a, ka) =>
		config.checkpoints.flatMap((b, kb) =>
			kb <= ka
				? []
				: [
						compareMetrics(
							a,
							b,
							values.get(a) ?? new Map(),
							values.get(b) ?? new Map(),
							alternativeFor(hypotheses, a, b)
						)
					]
		)
	);
	lap('metricTests');
	const acceptability = config.acceptability
		? acceptabilitySection(p, config.acceptability, { seed: config.seed, replicates, hypotheses })
		: null;
	lap('acceptability');

	return {
		overview: {
			checkpoints: [...config.checkpoints],
			dimensions: config.dimensions.map((d) => ({ key: d.key, label: d.label })),
			scale: [...scale],
			...(p.scales.some((own) => own.join() !== scale.join())
				? { scales: Object.fromEntries(dimensionKeys.map((k, d) => [k, [...p.scales[d]!]])) }
				: {}),
			aggregate,
			seed: config.seed,
			bootstrapReplicates: replicates,
			hypotheses: hypotheses.map((h) => ({ better: h.better, than: h.than })),
			ratings: p.ratings,
			repeatRatings: p.repeatRatings,
			unmatchedRepeats: p.unmatchedRepeats,
			raters: p.raters.length,
			cases: p.cases.length,
			items: p.items.length,
			ignored: { unknownCheckpoint: p.ignoredCheckpoint, unknownDimension: p.ignoredDimension }
		},
		descriptives,
		paired,
		friedman: friedmanRows,
		agreement,
		rouge,
		classification,
		correctionEffort,
		timePerItem,
		metricTests,
		acceptability
	};
}

export interface CheckpointFreeConfig {
	dimensions: { key: string; label: string; scale?: number[] }[];
	seed: string;
	bootstrapReplicates?: number;
	scale?: number[];
	maxKappaPairs?: number;
}

/**
 * What may be shown before unblinding: inter- and intra-rater agreement per dimension (the
 * `agreement` section of analyzeStudy), computed without checkpoint identity — items are pooled
 * whatever produced them, and nothing in the result is grouped or labelled by checkpoint. With the
 * same ratings, seed and options it equals analyzeStudy(...).agreement.
 */
export function checkpointFreeSummary(
	ratings: readonly Omit<RatingRow, 'checkpoint'>[],
	config: CheckpointFreeConfig
): { agreement: DimensionAgreement[] } {
	const p = prepare(
		ratings,
		config.dimensions.map((d) => d.key),
		null,
		config.dimensions.map((d) => d.scale ?? config.scale ?? DEFAULT_SCALE)
	);
	const opts = {
		seed: config.seed,
		replicates: replicatesOf(config),
		maxKappaPairs: maxPairsOf(config)
	};
	return { agreement: agreementByScale(p, opts) };
}

/** Agreement per dimension, each on its own scale (one pass per scale), in form order. */
function agreementByScale(
	p: Prepared,
	opts: Parameters<typeof agreementSection>[1]
): DimensionAgreement[] {
	const out = new Array<DimensionAgreement>(p.dimensions.length);
	for (const { view, dims } of byScale(p))
		agreementSection(view, opts).forEach((row, j) => (out[dims[j]!] = row));
	return out;
}

/** Cells of per-scale passes (checkpoint-major within each) in the order of one pass over `p`. */
function inFormOrder<T extends { checkpoint: string; dimension: string }>(
	p: Prepared,
	parts: T[][]
): T[] {
	if (parts.length === 1) return parts[0]!;
	const byKey = new Map(parts.flat().map((c) => [`${c.checkpoint}\u0000${c.dimension}`, c]));
	return p.checkpoints.flatMap((k) =>
		p.dimensions.flatMap((d) => {
			const cell = byKey.get(`${k}\u0000${d}`);
			return cell ? [cell] : [];
		})
	);
}

/** A dimension's scale in an analysis: its own when the form mixes scales, else `scale`. */
export function scaleOfDimension(overview: StudyOverview, dimension: string): number[] {
	return overview.scales?.[dimension] ?? overview.scale;
}
