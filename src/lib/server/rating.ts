/**
 * What a rater can see and do. Blinding lives here: every value returned to a rater is listed
 * explicitly (item code, case source, normalized letter, form, own scores), so no checkpoint
 * name, model file, hash, id, timing or token count can slip into a page or a response.
 */
import { and, asc, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { RatingForm } from '../domain/rating-form';
import { isScore } from '../domain/rating-form';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import type { RaterActor } from './auth/actors';
import { hashToken } from './auth/tokens';
import * as audit from './audit';
import type { Db } from './db';
import { assignments, cases, items, outputs, raters, ratings, rounds } from './db/schema';

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
	status: 'open' | 'locked' | 'unblinded';
	form: RatingForm;
	slots: Slot[];
	done: number;
	total: number;
	/** The first item without every score: where the rater resumes. */
	resumeCode: string | null;
}

/** The rater's current round (the most recently opened one they are assigned to), or null. */
export async function currentRound(db: Db, rater: RaterActor): Promise<RaterRound | null> {
	const [round] = await db
		.selectDistinct({
			id: rounds.id,
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
		.select({ id: assignments.id, code: items.code, position: assignments.position })
		.from(assignments)
		.innerJoin(items, eq(items.id, assignments.itemId))
		.where(and(eq(assignments.raterId, rater.id), eq(assignments.roundId, round.id)))
		.orderBy(asc(assignments.position));
	const scored = rows.length
		? await db
				.select({ assignmentId: ratings.assignmentId, dimension: ratings.dimension })
				.from(ratings)
				.where(
					inArray(
						ratings.assignmentId,
						rows.map((r) => r.id)
					)
				)
		: [];
	const dims = new Set(round.form.dimensions.map((d) => d.key));
	const perAssignment = new Map<string, number>();
	for (const s of scored)
		if (dims.has(s.dimension))
			perAssignment.set(s.assignmentId, (perAssignment.get(s.assignmentId) ?? 0) + 1);
	const slots = rows.map((r) => ({
		code: r.code,
		position: r.position,
		done: (perAssignment.get(r.id) ?? 0) >= dims.size
	}));
	const done = slots.filter((s) => s.done).length;
	return {
		status: round.status as RaterRound['status'],
		form: round.form,
		slots,
		done,
		total: slots.length,
		resumeCode: slots.find((s) => !s.done)?.code ?? null
	};
}

export interface RaterItem {
	code: string;
	/** 1-based position in the rater's order. */
	number: number;
	total: number;
	done: number;
	readOnly: boolean;
	form: RatingForm;
	source: Record<string, unknown>;
	letter: string;
	scores: Record<string, number>;
	previousCode: string | null;
	nextCode: string | null;
}

async function findAssignment(db: Db, rater: RaterActor, code: string) {
	const [row] = await db
		.select({
			assignmentId: assignments.id,
			roundId: rounds.id,
			roundStatus: rounds.status,
			form: rounds.form,
			source: cases.source,
			letter: outputs.text
		})
		.from(items)
		.innerJoin(assignments, eq(assignments.itemId, items.id))
		.innerJoin(rounds, eq(rounds.id, items.roundId))
		.innerJoin(outputs, eq(outputs.id, items.outputId))
		.innerJoin(cases, eq(cases.id, outputs.caseId))
		.where(and(eq(items.code, code), eq(assignments.raterId, rater.id)));
	// Another rater's code and a code that does not exist look the same.
	if (!row || row.roundStatus === 'draft') throw new NotFoundError('Item not found');
	return row;
}

export async function item(db: Db, rater: RaterActor, code: string): Promise<RaterItem> {
	const row = await findAssignment(db, rater, code);
	const round = await currentRound(db, rater);
	const slots = round?.slots ?? [];
	const index = slots.findIndex((s) => s.code === code);
	const given = await db
		.select({ dimension: ratings.dimension, score: ratings.score })
		.from(ratings)
		.where(eq(ratings.assignmentId, row.assignmentId));
	await db.update(raters).set({ lastActiveAt: new Date() }).where(eq(raters.id, rater.id));
	return {
		code,
		number: index + 1,
		total: slots.length,
		done: round?.done ?? 0,
		readOnly: row.roundStatus !== 'open',
		form: row.form,
		source: row.source,
		letter: row.letter ?? '',
		scores: Object.fromEntries(given.map((g) => [g.dimension, g.score])),
		previousCode: index > 0 ? slots[index - 1]!.code : null,
		nextCode: index >= 0 && index < slots.length - 1 ? slots[index + 1]!.code : null
	};
}

/**
 * Saves one score. Idempotent: saving the same score again changes nothing and writes no audit
 * row; a changed score is audited with before and after.
 */
export async function saveScore(
	db: Db,
	rater: RaterActor,
	code: string,
	dimension: string,
	score: unknown
): Promise<{ changed: boolean }> {
	if (!isScore(score))
		throw new ValidationError([{ field: 'score', message: 'must be 1, 2, 3 or 4' }]);
	return db.transaction(async (tx) => {
		const row = await findAssignment(tx, rater, code);
		if (row.roundStatus !== 'open')
			throw new ConflictError('This round is locked: scores can no longer be changed');
		if (!row.form.dimensions.some((d) => d.key === dimension))
			throw new ValidationError([
				{ field: 'dimension', message: `unknown dimension "${dimension}"` }
			]);
		const [old] = await tx
			.select()
			.from(ratings)
			.where(and(eq(ratings.assignmentId, row.assignmentId), eq(ratings.dimension, dimension)));
		if (old?.score === score) return { changed: false };
		const now = new Date();
		await tx
			.insert(ratings)
			.values({ assignmentId: row.assignmentId, dimension, score })
			.onConflictDoUpdate({
				target: [ratings.assignmentId, ratings.dimension],
				set: { score, updatedAt: now }
			});
		await tx
			.update(assignments)
			.set({ startedAt: now })
			.where(and(eq(assignments.id, row.assignmentId), isNull(assignments.startedAt)));
		await audit.record(tx, rater, {
			action: old ? 'rating.change' : 'rating.create',
			entity: 'assignment',
			entityId: row.assignmentId,
			studyId: rater.studyId,
			before: old ? { dimension, score: old.score } : null,
			after: { dimension, score }
		});
		return { changed: true };
	});
}
