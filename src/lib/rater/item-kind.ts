/**
 * What differs between an absolute item and a pairwise one on the rating page, in one place:
 * pairwise items use the same scales with three anchors (left better, tie, right better), their
 * choices shown as scale values 1, 2, 3, and saved as choices rather than scores; absolute items
 * show each dimension on its own scale (domain/scales.ts).
 */
import type { Dimension } from '../domain/rating-form';
import { scaleOf } from '../domain/scales';
import { CHOICES, type Choice } from '../domain/round-options';
import type { Change } from './score-saver.svelte';

/** The parts of the rater's item (as the page loads it) that this module reads. */
export type ItemAnswers =
	| { kind: 'absolute'; code: string; scores: Record<string, number> }
	| { kind: 'pairwise'; code: string; choices: Record<string, Choice> };

/** A choice as a scale value: 1 left better, 2 tie, 3 right better. */
export const choiceValue = (choice: Choice) => CHOICES.indexOf(choice) + 1;

/**
 * The form's dimensions as the scales show them. Pairwise ones get the three anchors on a
 * 3-point scale whatever the dimension's own scale (a choice is not a score on it).
 */
export function scaleDimensions(
	kind: ItemAnswers['kind'],
	dimensions: Dimension[],
	pairAnchors: [string, string, string]
): Dimension[] {
	return kind === 'pairwise'
		? dimensions.map((d) => ({ ...d, anchors: pairAnchors, scale: CHOICES.length }))
		: dimensions;
}

/** What the server holds: scores, or choices as scale values. */
export function givenValues(item: ItemAnswers): Record<string, number> {
	return item.kind === 'pairwise'
		? Object.fromEntries(Object.entries(item.choices).map(([k, c]) => [k, choiceValue(c)]))
		: item.scores;
}

/** The change that saves a scale value: a score, or the choice it stands for. */
export function answerChange(item: ItemAnswers, dimension: string, value: number): Change {
	return item.kind === 'pairwise'
		? { kind: 'preference', code: item.code, dimension, choice: CHOICES[value - 1]! }
		: { kind: 'score', code: item.code, dimension, score: value };
}

/** Per dimension (as scaleDimensions shows them), the values a key may give. */
export const scaleValues = (dimensions: readonly Dimension[]) =>
	dimensions.map((d) => scaleOf(d.scale).scores);
