/**
 * Who the rater is (their link's token) and where they stand in their current round: the items
 * in their order, which are done, where to resume and an estimate of the time left. Only item
 * codes and positions leave here (see the blinding note in item.ts).
 */
import { and, asc, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { RatingForm } from '../../domain/rating-form';
import { estimateSecondsLeft } from '../../domain/time-left';
import type { RaterActor } from '../auth/actors';
import { hashToken } from '../auth/tokens';
import type { Db } from '../db';
import { assignments, items, preferences, raters, ratings, rounds } from '../db/schema';

export async function raterFromToken(db: Db, token: string): Promise<RaterActor | null> {
	const [r] = await db
		.select()
		.from(raters)
		.where(and(eq(raters.tokenHash, hashToken(token)), isNull(raters.revokedAt)));
	return r
		? { type: 'rater', id: r.id, studyId: r.studyId, pseudonym: r.pseudonym, name: r.name }
		: null;
}

interface Slot {
	code: string;
	position: number;
	done: boolean;
}

export interface RaterRound {
	kind: 'absolute' | 'pairwise';
	status: 'open' | 'locked' | 'unblinded';
	form: RatingForm;
	slots: Slot[];
	done: number;
	total: number;
	/** The first item without every score: where the rater resumes. */
	resumeCode: string | null;
	/** Estimated seconds to finish (median time per finished item × items left), or null. */
	secondsLeft: number | null;
}

/** The rater's current round (the most recently opened one they are assigned to), or null. */
export async function currentRound(db: Db, rater: RaterActor): Promise<RaterRound | null> {
	const [round] = await db
		.selectDistinct({
			id: rounds.id,
			kind: rounds.kind,
			status: rounds.status,
			form: rounds.form,
			openedAt: rounds.openedAt
		})
		.from(assignments)
		.innerJoin(rounds, eq(rounds.id, assignments.roundId))
		.where(
			and(
				eq(assignments.raterId, rater.id),
				inArray(rounds.status, ['open', 'locked', 'unblinded'])
			)
		)
		.orderBy(desc(rounds.openedAt));
	if (!round) return null;
	const rows = await db
		.select({
			id: assignments.id,
			code: items.code,
			position: assignments.position,
			seconds: assignments.secondsOnItem
		})
		.from(assignments)
		.innerJoin(items, eq(items.id, assignments.itemId))
		.where(and(eq(assignments.raterId, rater.id), eq(assignments.roundId, round.id)))
		.orderBy(asc(assignments.position));
	const answers = round.kind === 'pairwise' ? preferences : ratings;
	const scored = rows.length
		? await db
				.select({ assignmentId: answers.assignmentId, dimension: answers.dimension })
				.from(answers)
				.where(
					inArray(
						answers.assignmentId,
						rows.map((r) => r.id)
					)
				)
		: [];
	const dims = new Set(round.form.dimensions.map((d) => d.key));
	const perAssignment = new Map<string, number>();
	for (const s of scored)
		if (dims.has(s.dimension))
			perAssignment.set(s.assignmentId, (perAssignment.get(s.assignmentId) ?? 0) + 1);
	const isDone = (id: string) => (perAssignment.get(id) ?? 0) >= dims.size;
	const slots = rows.map((r) => ({ code: r.code, position: r.position, done: isDone(r.id) }));
	const done = slots.filter((s) => s.done).length;
	return {
		kind: round.kind,
		status: round.status as RaterRound['status'],
		form: round.form,
		slots,
		done,
		total: slots.length,
		resumeCode: slots.find((s) => !s.done)?.code ?? null,
		secondsLeft: estimateSecondsLeft(
			rows.filter((r) => isDone(r.id)).map((r) => r.seconds),
			slots.length - done
		)
	};
}
