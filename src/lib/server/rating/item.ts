/**
 * What a rater sees of one item. Blinding lives here (session.ts gives only codes and
 * positions): every value returned to a rater is listed explicitly (item code, case source,
 * normalized letter, form, own scores, comments, correction and own time estimate), so no
 * checkpoint name, model file, hash, id, generation timing or token count can slip into a page
 * or a response.
 */
import { eq } from 'drizzle-orm';
import type { RatingForm } from '../../domain/rating-form';
import type { Choice } from '../../domain/round-options';
import type { RaterActor } from '../auth/actors';
import type { Db } from '../db';
import { comments, corrections, preferences, raters, ratings } from '../db/schema';
import { findAssignment } from './assignment';
import { currentRound } from './session';

interface ItemBase {
	code: string;
	/** 1-based position in the rater's order. */
	number: number;
	total: number;
	done: number;
	readOnly: boolean;
	form: RatingForm;
	source: Record<string, unknown>;
	/** The rater's own comments by dimension key; '' holds the overall comment. */
	comments: Record<string, string>;
	secondsLeft: number | null;
	previousCode: string | null;
	nextCode: string | null;
}

/** One letter, scored on the form's anchored scales. */
export interface AbsoluteItem extends ItemBase {
	kind: 'absolute';
	letter: string;
	scores: Record<string, number>;
	/** The rater's own corrected letter, or null when they wrote none. */
	correction: string | null;
}

/** Two letters of one case side by side; per dimension the better one, or a tie. */
export interface PairwiseItem extends ItemBase {
	kind: 'pairwise';
	left: string;
	right: string;
	choices: Record<string, Choice>;
}

export type RaterItem = AbsoluteItem | PairwiseItem;

export async function item(db: Db, rater: RaterActor, code: string): Promise<RaterItem> {
	const row = await findAssignment(db, rater, code);
	const round = await currentRound(db, rater);
	const slots = round?.slots ?? [];
	const index = slots.findIndex((s) => s.code === code);
	const notes = await db
		.select({ dimension: comments.dimension, body: comments.body })
		.from(comments)
		.where(eq(comments.assignmentId, row.assignmentId));
	await db.update(raters).set({ lastActiveAt: new Date() }).where(eq(raters.id, rater.id));
	const base: ItemBase = {
		code,
		number: index + 1,
		total: slots.length,
		done: round?.done ?? 0,
		readOnly: row.roundStatus !== 'open',
		form: row.form,
		source: row.source,
		comments: Object.fromEntries(notes.map((c) => [c.dimension, c.body])),
		secondsLeft: round?.secondsLeft ?? null,
		previousCode: index > 0 ? slots[index - 1]!.code : null,
		nextCode: index >= 0 && index < slots.length - 1 ? slots[index + 1]!.code : null
	};
	if (row.kind === 'pairwise') {
		const chosen = await db
			.select({ dimension: preferences.dimension, choice: preferences.choice })
			.from(preferences)
			.where(eq(preferences.assignmentId, row.assignmentId));
		return {
			...base,
			kind: 'pairwise',
			left: row.letter ?? '',
			right: row.right ?? '',
			choices: Object.fromEntries(chosen.map((c) => [c.dimension, c.choice]))
		};
	}
	const given = await db
		.select({ dimension: ratings.dimension, score: ratings.score })
		.from(ratings)
		.where(eq(ratings.assignmentId, row.assignmentId));
	const [correction] = await db
		.select({ body: corrections.body })
		.from(corrections)
		.where(eq(corrections.assignmentId, row.assignmentId));
	return {
		...base,
		kind: 'absolute',
		letter: row.letter ?? '',
		scores: Object.fromEntries(given.map((g) => [g.dimension, g.score])),
		correction: correction?.body ?? null
	};
}
