/**
 * What a rater adds beside the scores: a comment per dimension (or overall), a corrected letter,
 * and the time the item was visible. Each change is one transaction with its audit row.
 */
import { and, eq, sql } from 'drizzle-orm';
import { unstorableText } from '../../domain/text-input';
import { ValidationError } from '../../errors';
import type { RaterActor } from '../auth/actors';
import * as audit from '../audit/record';
import type { Db } from '../db';
import { assignments, comments, corrections, raters } from '../db/schema';
import { findAssignmentToChange, requireDimension } from './assignment';

/** Longest comment and corrected letter accepted (characters): far above any real one. */
export const MAX_COMMENT_LENGTH = 10_000;
export const MAX_CORRECTION_LENGTH = 100_000;
/** Most seconds one time report may add: the page reports every 15 s, or after an outage. */
export const MAX_SECONDS_PER_REPORT = 3600;

/**
 * A rater's text as stored: line breaks as LF (a browser's form post sends CRLF, an API client
 * may send a bare CR), so R's read.csv, which reads every CR as a line end, gets the exported
 * text byte for byte. NUL and unpaired surrogates, which PostgreSQL cannot store, are refused.
 */
function requireText(field: string, value: unknown, max: number): string {
	if (typeof value !== 'string') throw new ValidationError([{ field, message: 'must be text' }]);
	if (value.length > max)
		throw new ValidationError([{ field, message: `is longer than ${max} characters` }]);
	const bad = unstorableText(value);
	if (bad) throw new ValidationError([{ field, message: bad }]);
	return value.replace(/\r\n?/g, '\n');
}

/** One rater note of an assignment (a comment or the corrected letter), as its saver found it. */
interface Note {
	kind: 'comment' | 'correction';
	assignmentId: string;
	/** What identifies the note beside the assignment ({ dimension } for comments), for the audit. */
	key: Record<string, string>;
	old: { body: string } | undefined;
	text: string;
	/** The new text deletes the note. */
	empty: boolean;
	remove: () => PromiseLike<unknown>;
	upsert: () => PromiseLike<unknown>;
}

/**
 * Deletes, creates or changes a note, and writes the audit row (`<kind>.delete|create|change`,
 * before and after with the note's key); nothing, and no audit row, when the text changes nothing.
 */
async function writeNote(tx: Db, rater: RaterActor, note: Note): Promise<{ changed: boolean }> {
	const { kind, key, old, text, empty } = note;
	if (empty ? !old : old?.body === text) return { changed: false };
	await (empty ? note.remove() : note.upsert());
	await audit.record(tx, rater, {
		action: `${kind}.${empty ? 'delete' : old ? 'change' : 'create'}`,
		entity: 'assignment',
		entityId: note.assignmentId,
		studyId: rater.studyId,
		before: old ? { ...key, body: old.body } : null,
		after: empty ? null : { ...key, body: text }
	});
	return { changed: true };
}

/**
 * Saves the rater's comment on one dimension (`dimension` '' is the overall comment); an empty
 * or blank body deletes it. Idempotent: the same body again changes nothing and is not audited.
 */
export async function saveComment(
	db: Db,
	rater: RaterActor,
	code: string,
	dimension: unknown,
	body: unknown
): Promise<{ changed: boolean }> {
	if (typeof dimension !== 'string')
		throw new ValidationError([{ field: 'dimension', message: "must be a dimension key or ''" }]);
	const text = requireText('body', body, MAX_COMMENT_LENGTH);
	return db.transaction(async (tx) => {
		const row = await findAssignmentToChange(tx, rater, code);
		if (dimension !== '') requireDimension(row.form, dimension);
		const where = and(
			eq(comments.assignmentId, row.assignmentId),
			eq(comments.dimension, dimension)
		);
		const [old] = await tx.select().from(comments).where(where);
		return writeNote(tx, rater, {
			kind: 'comment',
			assignmentId: row.assignmentId,
			key: { dimension },
			old,
			text,
			empty: text.trim() === '',
			remove: () => tx.delete(comments).where(where),
			upsert: () =>
				tx
					.insert(comments)
					.values({ assignmentId: row.assignmentId, dimension, body: text })
					.onConflictDoUpdate({
						target: [comments.assignmentId, comments.dimension],
						set: { body: text, updatedAt: new Date() }
					})
		});
	});
}

/**
 * Saves the rater's corrected version of the letter. An empty body, or one equal to the letter
 * as shown, deletes the correction: an unchanged letter is no correction. Idempotent.
 */
export async function saveCorrection(
	db: Db,
	rater: RaterActor,
	code: string,
	body: unknown
): Promise<{ changed: boolean }> {
	const text = requireText('body', body, MAX_CORRECTION_LENGTH);
	return db.transaction(async (tx) => {
		const row = await findAssignmentToChange(tx, rater, code, 'absolute');
		const where = eq(corrections.assignmentId, row.assignmentId);
		const [old] = await tx.select().from(corrections).where(where);
		return writeNote(tx, rater, {
			kind: 'correction',
			assignmentId: row.assignmentId,
			key: {},
			old,
			text,
			empty: text.trim() === '' || text === (row.letter ?? ''),
			remove: () => tx.delete(corrections).where(where),
			upsert: () =>
				tx
					.insert(corrections)
					.values({ assignmentId: row.assignmentId, body: text })
					.onConflictDoUpdate({
						target: corrections.assignmentId,
						set: { body: text, updatedAt: new Date() }
					})
		});
	});
}

/**
 * Adds seconds the item was open and visible in the rater's browser. Not idempotent by nature
 * (each report is new time), so the page sends each second once and drops a report it could not
 * deliver rather than repeat it after a lost response.
 */
export async function addTime(
	db: Db,
	rater: RaterActor,
	code: string,
	seconds: unknown
): Promise<{ secondsOnItem: number }> {
	if (
		typeof seconds !== 'number' ||
		!Number.isInteger(seconds) ||
		seconds < 1 ||
		seconds > MAX_SECONDS_PER_REPORT
	)
		throw new ValidationError([
			{ field: 'seconds', message: `must be a whole number from 1 to ${MAX_SECONDS_PER_REPORT}` }
		]);
	return db.transaction(async (tx) => {
		const row = await findAssignmentToChange(tx, rater, code);
		const [updated] = await tx
			.update(assignments)
			.set({ secondsOnItem: sql`${assignments.secondsOnItem} + ${seconds}` })
			.where(eq(assignments.id, row.assignmentId))
			.returning({ secondsOnItem: assignments.secondsOnItem });
		const after = updated!.secondsOnItem;
		await tx.update(raters).set({ lastActiveAt: new Date() }).where(eq(raters.id, rater.id));
		await audit.record(tx, rater, {
			action: 'assignment.time',
			entity: 'assignment',
			entityId: row.assignmentId,
			studyId: rater.studyId,
			before: { secondsOnItem: after - seconds },
			after: { secondsOnItem: after }
		});
		return { secondsOnItem: after };
	});
}
