/**
 * Composite outcomes of a pre-registered plan (domain/analysis-plan.ts): per rater and letter,
 * the mean of that rater's scores on the composite's dimensions, then per case and checkpoint
 * the plan's aggregate over raters, as the per-case scores of a dimension are formed in
 * study/comparisons.ts. Pure.
 */
import type { Composite } from '../domain/analysis-plan';
import { describe } from './descriptive';
import type { ScoreAggregate } from './study/comparisons';
import type { RatingRow } from './study/prepare';

/** One score as the analysis reads it; a row with `repeatOf` set never enters a comparison. */
export type CompositeRating = Pick<
	RatingRow,
	'rater' | 'caseId' | 'itemCode' | 'checkpoint' | 'dimension' | 'score' | 'repeatOf'
>;

/**
 * Per checkpoint, per case: the aggregate (mean or median) over raters of each rater's
 * composite, the mean of their scores on `composite.mean`. A rater who left one of those
 * dimensions unscored on a letter gives no composite for it (a partial mean would weigh the
 * dimensions differently from letter to letter); a case no rater completed has no score.
 */
export function compositeCaseScores(
	composite: Composite,
	ratings: readonly CompositeRating[],
	aggregate: ScoreAggregate
): Map<string, Map<string, number>> {
	const parts = new Set(composite.mean);
	// rater × item → the scores of the composite's dimensions, with where the letter belongs.
	const letters = new Map<
		string,
		{ caseId: string; checkpoint: string; scores: Map<string, number> }
	>();
	for (const r of ratings) {
		if (!parts.has(r.dimension) || (r.repeatOf !== null && r.repeatOf !== undefined)) continue;
		const key = `${r.rater}\u0000${r.itemCode}`;
		const letter = letters.get(key) ?? {
			caseId: r.caseId,
			checkpoint: r.checkpoint,
			scores: new Map<string, number>()
		};
		letter.scores.set(r.dimension, r.score);
		letters.set(key, letter);
	}
	const perCase = new Map<string, Map<string, number[]>>();
	for (const { caseId, checkpoint, scores } of letters.values()) {
		if (scores.size !== parts.size) continue;
		let sum = 0;
		for (const s of scores.values()) sum += s;
		const byCase = perCase.get(checkpoint) ?? new Map<string, number[]>();
		byCase.set(caseId, [...(byCase.get(caseId) ?? []), sum / parts.size]);
		perCase.set(checkpoint, byCase);
	}
	const out = new Map<string, Map<string, number>>();
	for (const [checkpoint, byCase] of perCase) {
		const scores = new Map<string, number>();
		for (const [caseId, values] of byCase)
			scores.set(
				caseId,
				aggregate === 'median'
					? describe(values).median
					: values.reduce((s, v) => s + v, 0) / values.length
			);
		out.set(checkpoint, scores);
	}
	return out;
}

/** The cases scored under both checkpoints, as paired samples x (first) and y (second). */
export function pairedScores(
	scores: Map<string, Map<string, number>>,
	x: string,
	y: string
): { x: number[]; y: number[] } {
	const a = scores.get(x) ?? new Map<string, number>();
	const b = scores.get(y) ?? new Map<string, number>();
	const cases = [...a.keys()].filter((c) => b.has(c)).sort();
	return { x: cases.map((c) => a.get(c)!), y: cases.map((c) => b.get(c)!) };
}
