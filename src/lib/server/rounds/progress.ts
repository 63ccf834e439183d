/**
 * How far a round's raters are, per rater and per item. Checkpoint-free, so safe to show before
 * unblinding.
 */
import { and, asc, count, eq, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { itemCase } from '../db/joins';
import { assignments, cases, items, preferences, raters, ratings, roundRaters } from '../db/schema';
import type { Round } from '../rounds';

export interface RaterProgress {
	raterId: string;
	pseudonym: string;
	name: string;
	done: number;
	total: number;
	lastActiveAt: Date | null;
	/** The rater's link was revoked (and not reissued since). */
	revoked: boolean;
}

/**
 * Answers per assignment (scores, or choices in pairwise rounds), and the count of assignments
 * with every dimension answered, for a query grouped by rater or item.
 */
function answered(db: Db, round: Round) {
	const answers = round.kind === 'pairwise' ? preferences : ratings;
	const scored = db
		.select({ assignmentId: answers.assignmentId, n: count().as('n') })
		.from(answers)
		.groupBy(answers.assignmentId)
		.as('scored');
	const dims = round.form.dimensions.length;
	const done = sql<number>`count(*) filter (where ${scored.n} >= ${dims})`.mapWith(Number);
	return { scored, done };
}

/**
 * Per-rater progress: an assignment is done when every dimension of the round's form has a
 * score (a choice, in pairwise rounds). Shows no checkpoint identity, so it is safe before
 * unblinding. Raters of a draft round are listed with nothing assigned yet.
 */
export async function progress(db: Db, round: Round): Promise<RaterProgress[]> {
	const roundId = round.id;
	const { scored, done } = answered(db, round);
	return db
		.select({
			raterId: raters.id,
			pseudonym: raters.pseudonym,
			name: raters.name,
			lastActiveAt: raters.lastActiveAt,
			revoked: sql<boolean>`${raters.revokedAt} is not null`,
			total: count(assignments.id),
			done
		})
		.from(roundRaters)
		.innerJoin(raters, eq(raters.id, roundRaters.raterId))
		.leftJoin(
			assignments,
			and(eq(assignments.roundId, roundId), eq(assignments.raterId, raters.id))
		)
		.leftJoin(scored, eq(scored.assignmentId, assignments.id))
		.where(eq(roundRaters.roundId, roundId))
		.groupBy(raters.id)
		.orderBy(asc(raters.pseudonym));
}

export interface ItemProgress {
	code: string;
	/** The case's id from the study file: coordinators know the cases, not who wrote a letter. */
	caseId: string;
	/** Raters with every dimension answered, of the raters this item is assigned to. */
	done: number;
	assigned: number;
}

/**
 * Per-item progress (the shared items of absolute rounds; repeats and pairwise comparisons are
 * each one rater's). Checkpoint-free, so safe before unblinding; ordered by case and code, never
 * by anything that follows the checkpoint.
 */
export async function itemProgress(db: Db, round: Round): Promise<ItemProgress[]> {
	const { scored, done } = answered(db, round);
	const query = db
		.select({ code: items.code, caseId: cases.externalId, assigned: count(assignments.id), done })
		.from(items)
		.$dynamic();
	return itemCase(query)
		.leftJoin(assignments, eq(assignments.itemId, items.id))
		.leftJoin(scored, eq(scored.assignmentId, assignments.id))
		.where(eq(items.roundId, round.id))
		.groupBy(items.id, cases.externalId, cases.position)
		.orderBy(asc(cases.position), asc(items.code));
}
