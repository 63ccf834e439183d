/**
 * The confirmatory part of a round's analysis: the comparisons its locked, pre-registered plan
 * names (domain/analysis-plan.ts), with the plan's multiplicity correction over the secondary
 * family, and the Markdown section that opens the report. Everything else in the report is
 * exploratory.
 *
 * Scored rounds: a comparison on a dimension is read from a StudyAnalysis run with the plan's
 * aggregate and one-sided hypotheses; one on a composite is tested here, with the same Wilcoxon
 * signed-rank test, on the composite's per-case scores (composite.ts). Pairwise rounds: the
 * better checkpoint's wins against losses (ties excluded) by the exact sign test, one- or
 * two-sided as planned, from the PairwiseAnalysis counts. The report's section is
 * preregistered-report.ts.
 */
import { compositeOf, type AnalysisPlan, type PlannedComparison } from '../domain/analysis-plan';
import { adjustPValues } from './adjust';
import { compositeCaseScores, pairedScores, type CompositeRating } from './composite';
import { signTest, signTestGreater } from './pairwise';
import type { PairwiseAnalysis } from './pairwise-study';
import type { Hypothesis } from './study/comparisons';
import type { StudyAnalysis } from './study';
import { finite } from './study/summary';
import { wilcoxonSignedRank } from './wilcoxon';

/** The better checkpoint's preferences against the other (pairwise rounds). */
export interface PreferenceCounts {
	wins: number;
	ties: number;
	losses: number;
	/** wins / (wins + losses) with its Wilson 95% interval; estimate null without a decisive one. */
	winRate: { estimate: number | null; lower: number; upper: number };
}

export interface ConfirmatoryResult {
	role: 'primary' | 'secondary';
	comparison: PlannedComparison;
	/** Cases with a per-case score under both checkpoints; decisive judgements (sign test). */
	n: number;
	/** V for x = better, y = than; the sign test's number of wins. */
	statistic: number | null;
	pValue: number | null;
	/** The primary's own p; Holm- or BH-adjusted over the secondary family; as is for 'none'. */
	pAdjusted: number | null;
	/** Rank-biserial r, positive when `better` scores higher; null for the sign test. */
	effectSize: number | null;
	/** p (adjusted) ≤ α. */
	significant: boolean;
	/** Pairwise rounds only. */
	preference?: PreferenceCounts;
}

type Figures = Pick<ConfirmatoryResult, 'n' | 'statistic' | 'pValue' | 'effectSize' | 'preference'>;

const UNTESTED: Figures = { n: 0, statistic: null, pValue: null, effectSize: null };

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

/**
 * The plan's one-sided comparisons on form dimensions as the analysis's hypotheses (each pair
 * once); composites are tested on their own with their own alternative.
 */
export function planHypotheses(plan: AnalysisPlan): Hypothesis[] {
	const out = new Map<string, Hypothesis>();
	for (const c of [plan.primary, ...plan.secondary])
		if (c.alternative === 'greater' && !compositeOf(plan, c.dimension))
			out.set(`${c.better}\u0000${c.than}`, { better: c.better, than: c.than });
	return [...out.values()];
}

/** A planned comparison on a form dimension, read from the analysis's paired tests. */
function dimensionTest(analysis: StudyAnalysis, c: PlannedComparison): Figures {
	const pair = analysis.paired.find(
		(p) => (p.a === c.better && p.b === c.than) || (p.a === c.than && p.b === c.better)
	);
	const test = pair?.tests.find((t) => t.dimension === c.dimension);
	if (!test) return UNTESTED;
	const flip = pair!.a !== c.better;
	// V of y − x is ΣR − V of x − y, ΣR = m(m + 1)/2 over the m ranked differences.
	const total = (test.ranked * (test.ranked + 1)) / 2;
	return {
		n: test.n,
		statistic: test.statistic === null ? null : flip ? total - test.statistic : test.statistic,
		pValue: test.pValue,
		effectSize: test.effectSize === null ? null : flip ? -test.effectSize : test.effectSize
	};
}

/**
 * A planned comparison on a composite: the Wilcoxon signed-rank test (wilcoxon.ts, as R's
 * wilcox.test(x, y, paired = TRUE)) of the composite's per-case scores, x = better, y = than.
 * All-zero differences give p = 1, as in study/comparisons.ts.
 */
function compositeTest(scores: Map<string, Map<string, number>>, c: PlannedComparison): Figures {
	const { x, y } = pairedScores(scores, c.better, c.than);
	if (!x.length) return UNTESTED;
	const w = wilcoxonSignedRank(x, y, { alternative: c.alternative });
	return {
		n: x.length,
		statistic: w.statistic,
		pValue: w.n === 0 ? 1 : finite(w.pValue),
		effectSize: w.effectSize
	};
}

/** The primary alone at α; the secondaries one family under the plan's correction. */
function assemble(plan: AnalysisPlan, figures: Figures[]): ConfirmatoryResult[] {
	const [primary, ...secondary] = figures;
	const raw = secondary.map((t) => t.pValue ?? Number.NaN);
	const adjusted =
		plan.correction === 'none' ? raw : adjustPValues(raw, plan.correction === 'bh' ? 'BH' : 'holm');
	const result = (
		role: ConfirmatoryResult['role'],
		comparison: PlannedComparison,
		t: Figures,
		pAdjusted: number | null
	): ConfirmatoryResult => ({
		role,
		comparison,
		...t,
		pAdjusted,
		significant: pAdjusted !== null && pAdjusted <= plan.alpha
	});
	return [
		result('primary', plan.primary, primary!, primary!.pValue),
		...plan.secondary.map((c, i) =>
			result('secondary', c, secondary[i]!, Number.isNaN(adjusted[i]!) ? null : adjusted[i]!)
		)
	];
}

/**
 * Reads the planned comparisons of a scored round from an analysis run with
 * `planHypotheses(plan)` and the plan's aggregate, and tests those on composites from the same
 * ratings (`ratings`: the rows that analysis was given). The primary is tested alone at α; the
 * secondaries are one family under the plan's correction (Holm 1979 or Benjamini–Hochberg
 * 1995, adjust.ts).
 */
export function confirmatoryResults(
	plan: AnalysisPlan,
	analysis: StudyAnalysis,
	ratings: readonly CompositeRating[] = []
): ConfirmatoryResult[] {
	const composites = new Map<string, Map<string, Map<string, number>>>();
	const figures = [plan.primary, ...plan.secondary].map((c) => {
		const composite = compositeOf(plan, c.dimension);
		if (!composite) return dimensionTest(analysis, c);
		if (!composites.has(composite.name))
			composites.set(composite.name, compositeCaseScores(composite, ratings, plan.aggregate));
		return compositeTest(composites.get(composite.name)!, c);
	});
	return assemble(plan, figures);
}

/**
 * A planned comparison of a pairwise round: the better checkpoint's wins, ties and losses on the
 * dimension (pooled over presentation sides), the win rate with its Wilson interval, and the
 * exact sign test of wins against losses (pairwise.ts: R's binom.test, one-sided "greater" or
 * two-sided).
 */
function preferenceTest(analysis: PairwiseAnalysis, c: PlannedComparison): Figures {
	const cell = analysis.pairs.find(
		(p) =>
			p.dimension === c.dimension &&
			((p.a === c.better && p.b === c.than) || (p.a === c.than && p.b === c.better))
	);
	if (!cell) return UNTESTED;
	const flip = cell.a !== c.better;
	const wins = flip ? cell.losses : cell.wins;
	const losses = flip ? cell.wins : cell.losses;
	const w = cell.winRate;
	const winRate = !flip
		? w
		: {
				estimate: w.estimate === null ? null : 1 - w.estimate,
				lower: 1 - w.upper,
				upper: 1 - w.lower
			};
	const n = wins + losses;
	return {
		n,
		statistic: wins,
		pValue:
			n === 0
				? null
				: c.alternative === 'greater'
					? signTestGreater(wins, losses)
					: signTest(wins, losses),
		effectSize: null,
		preference: { wins, ties: cell.ties, losses, winRate }
	};
}

/** The planned comparisons of a pairwise round, from its (exclusion-filtered) analysis. */
export function pairwiseConfirmatoryResults(
	plan: AnalysisPlan,
	analysis: PairwiseAnalysis
): ConfirmatoryResult[] {
	return assemble(
		plan,
		[plan.primary, ...plan.secondary].map((c) => preferenceTest(analysis, c))
	);
}

export { renderPreregistration, withPreregistration } from './preregistered-report';
