/**
 * The columns of a round's long export and the typed rows behind them: one row per rating (or per
 * choice in a pairwise round), read by the exports, the round analysis and the power planner.
 */
import type { PairwiseChoice } from '../../domain/enums';

/** The columns that identify a rated item; long and wide exports both start with them. */
export const ITEM_COLUMNS = [
	'study',
	'round',
	'rater',
	'case_id',
	'item_code',
	'repeat_of',
	'checkpoint',
	'position'
] as const;

/** Pairwise rounds: an item is two letters, so two checkpoints and no repeats. */
export const PAIR_COLUMNS = [
	'study',
	'round',
	'rater',
	'case_id',
	'item_code',
	'left_checkpoint',
	'right_checkpoint',
	'position'
] as const;

const ANSWER_COLUMNS = [
	'comment',
	'item_comment',
	'seconds_on_item',
	'rated_at',
	'updated_at'
] as const;

export const LONG_COLUMNS = [...ITEM_COLUMNS, 'dimension', 'score', ...ANSWER_COLUMNS] as const;

export const PAIRWISE_LONG_COLUMNS = [
	...PAIR_COLUMNS,
	'dimension',
	'choice',
	'preferred_checkpoint',
	...ANSWER_COLUMNS
] as const;

/** What a rater's answer carries besides its item and value: comments, time, timestamps. */
type AnswerFields = {
	comment: string | null;
	item_comment: string | null;
	seconds_on_item: number | null;
	rated_at: Date;
	updated_at: Date;
};

/**
 * One rating as the long export, the analysis and the power planner read it (one typed row, so
 * no reader converts values). `checkpoint` is null until the round is unblinded.
 */
export type LongRow = AnswerFields & {
	study: string;
	round: string;
	rater: string;
	case_id: string;
	item_code: string;
	repeat_of: string | null;
	checkpoint: string | null;
	position: number;
	dimension: string;
	score: number;
};

/** One choice of a pairwise round; the checkpoints are null until the round is unblinded. */
export type PairwiseRow = AnswerFields & {
	study: string;
	round: string;
	rater: string;
	case_id: string;
	item_code: string;
	left_checkpoint: string | null;
	right_checkpoint: string | null;
	position: number;
	dimension: string;
	choice: PairwiseChoice;
	preferred_checkpoint: string | null;
};

// The column lists and the row types must name the same fields, in both directions.
// (Type aliases, not interfaces: the CSV writer reads them as records of cells.)
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const longColumnsMatch: SameKeys<(typeof LONG_COLUMNS)[number], keyof LongRow> = true;
const pairwiseColumnsMatch: SameKeys<(typeof PAIRWISE_LONG_COLUMNS)[number], keyof PairwiseRow> =
	true;
void longColumnsMatch;
void pairwiseColumnsMatch;
