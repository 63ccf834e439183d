/**
 * What a rater can see and do. Blinding lives here: every value returned to a rater is listed
 * explicitly (item code, case source, normalized letter, form, own scores, comments, correction
 * and own time estimate), so no checkpoint name, model file, hash, id, generation timing or
 * token count can slip into a page or a response.
 */
import { and, asc, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { RatingForm } from '../domain/rating-form';
import { isScore } from '../domain/rating-form';
import { CHOICES, type Choice } from '../domain/round-options';
import { estimateSecondsLeft } from '../domain/time-left';
import { unstorableText } from '../domain/text-input';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import type { RaterActor } from './auth/actors';
import { hashToken } from './auth/tokens';
import * as audit from './audit/record';
import type { Db } from './db';
import {
	assignments,
	cases,
	comments,
	corrections,
	items,
	outputs,
	preferences,
	raters,
	ratings,
	rounds
} from './db/schema';

const rightOutputs = alias(outputs, 'right_outputs');

/** Longest comment and corrected letter accepted (characters): far above any real one. */
export const MAX_COMMENT_LENGTH = 10_000;
export const MAX_CORRECTION_LENGTH = 100_000;
/** Most seconds one time report may add: the page reports every 15 s, or after an outage. */
export const MAX_SECONDS_PER_REPORT = 3600;

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

async function findAssignment(db: Db, rater: RaterActor, code: string) {
	const [row] = await db
		.select({
			assignmentId: assignments.id,
			roundId: rounds.id,
			roundStatus: rounds.status,
			kind: rounds.kind,
			form: rounds.form,
			source: cases.source,
			letter: outputs.text,
			right: rightOutputs.text
		})
		.from(items)
		.innerJoin(assignments, eq(assignments.itemId, items.id))
		.innerJoin(rounds, eq(rounds.id, items.roundId))
		.innerJoin(outputs, eq(outputs.id, items.outputId))
		.leftJoin(rightOutputs, eq(rightOutputs.id, items.rightOutputId))
		.innerJoin(cases, eq(cases.id, outputs.caseId))
		.where(and(eq(items.code, code), eq(assignments.raterId, rater.id)));
	// Another rater's code and a code that does not exist look the same.
	if (!row || row.roundStatus === 'draft') throw new NotFoundError('Item not found');
	return row;
}

/**
 * The rater's assignment for `code`, for a change: the round must be open (and of `kind`, for
 * changes that only one kind of round has).
 */
async function openAssignment(
	db: Db,
	rater: RaterActor,
	code: string,
	kind?: 'absolute' | 'pairwise'
) {
	const row = await findAssignment(db, rater, code);
	if (row.roundStatus !== 'open')
		throw new ConflictError('This round is locked: its scores, comments and corrections are final');
	if (kind && row.kind !== kind)
		throw new ValidationError([
			{
				field: 'kind',
				message:
					kind === 'absolute'
						? 'this item compares two letters: send a choice, not a score or a correction'
						: 'this item has one letter: send a score, not a choice'
			}
		]);
	return row;
}

function requireDimension(form: RatingForm, dimension: string): void {
	if (!form.dimensions.some((d) => d.key === dimension))
		throw new ValidationError([
			{ field: 'dimension', message: `unknown dimension "${dimension}"` }
		]);
}

/**
 * Saves which letter of a pairwise item the rater found better on one dimension, or a tie.
 * Idempotent like `saveScore`; a changed choice is audited with before and after.
 */
export async function savePreference(
	db: Db,
	rater: RaterActor,
	code: string,
	dimension: string,
	choice: unknown
): Promise<{ changed: boolean }> {
	if (typeof choice !== 'string' || !CHOICES.includes(choice as Choice))
		throw new ValidationError([{ field: 'choice', message: 'must be "left", "tie" or "right"' }]);
	return saveAnswer(db, rater, code, dimension, {
		kind: 'pairwise',
		action: 'preference',
		field: 'choice',
		value: choice as Choice,
		table: 'preferences'
	});
}

interface AnswerStore<V> {
	kind: 'absolute' | 'pairwise';
	/** Audit action prefix: `<action>.create` or `<action>.change`. */
	action: string;
	/** The field's name in the audit row's before and after, and the table's value column. */
	field: 'score' | 'choice';
	value: V;
	table: 'ratings' | 'preferences';
}

interface AnswerOutcome {
	status: string;
	kind: string;
	known: boolean;
	changed: boolean;
}

/**
 * One answer (a score, or a choice) on one dimension of the rater's item: idempotent (the same
 * value again changes nothing and writes no audit row); a new or changed value is audited with
 * before and after, and marks the assignment started.
 *
 * The busiest write of a rating day, so it is one SQL statement (one round trip): it finds the
 * rater's assignment, checks the round is open and of the right kind and the dimension is on
 * its form, reads the old value, and only then upserts the answer, stamps the assignment started
 * and writes the audit row. One statement is atomic like a transaction: all of it or nothing.
 * The checks' outcome comes back with it, so a refusal still gets its typed error (and wrote
 * nothing). tests/bench/rating-day.ts measures it; rating tests cover every refusal.
 */
async function saveAnswer<V extends number | string>(
	db: Db,
	rater: RaterActor,
	code: string,
	dimension: string,
	store: AnswerStore<V>
): Promise<{ changed: boolean }> {
	const table = sql.raw(store.table);
	const column = sql.raw(store.field);
	const value = store.field === 'score' ? sql`${store.value}::smallint` : sql`${store.value}::text`;
	const [outcome] = await rowsOf<AnswerOutcome>(
		db,
		sql`with a as (
			select asg.id, r.status, r.kind, exists (
				select 1 from jsonb_array_elements(r.form -> 'dimensions') d
				where d ->> 'key' = ${dimension}::text
			) as known
			from items i
			join assignments asg on asg.item_id = i.id
			join rounds r on r.id = i.round_id
			where i.code = ${code}::text and asg.rater_id = ${rater.id}::uuid
		), old as (
			select t.${column} as v from ${table} t
			where t.assignment_id = (select id from a) and t.dimension = ${dimension}::text
		), ok as (
			select a.id from a
			where a.status = 'open' and a.kind = ${store.kind}::text and a.known
				and not exists (select 1 from old where old.v = ${value})
		), up as (
			insert into ${table} (assignment_id, dimension, ${column})
			select ok.id, ${dimension}::text, ${value} from ok
			on conflict (assignment_id, dimension)
				do update set ${column} = excluded.${column}, updated_at = now()
			returning assignment_id
		), started as (
			update assignments set started_at = now()
			where id = (select assignment_id from up) and started_at is null
		), logged as (
			insert into audit_log (actor_type, actor_id, action, entity, entity_id, study_id, before, after)
			select 'rater', ${rater.id}::text,
				${store.action}::text || case when old.v is null then '.create' else '.change' end,
				'assignment', up.assignment_id::text, ${rater.studyId}::uuid,
				case when old.v is null then null
					else jsonb_build_object('dimension', ${dimension}::text, ${store.field}::text, old.v) end,
				jsonb_build_object('dimension', ${dimension}::text, ${store.field}::text, ${value})
			from up left join old on true
		)
		select a.status, a.kind, a.known, exists (select 1 from up) as changed from a`
	);
	// Another rater's code and a code that does not exist look the same.
	if (!outcome || outcome.status === 'draft') throw new NotFoundError('Item not found');
	if (outcome.status !== 'open')
		throw new ConflictError('This round is locked: its scores, comments and corrections are final');
	if (outcome.kind !== store.kind)
		throw new ValidationError([
			{
				field: 'kind',
				message:
					store.kind === 'absolute'
						? 'this item compares two letters: send a choice, not a score or a correction'
						: 'this item has one letter: send a score, not a choice'
			}
		]);
	if (!outcome.known)
		throw new ValidationError([
			{ field: 'dimension', message: `unknown dimension "${dimension}"` }
		]);
	return { changed: outcome.changed };
}

/** The rows of a raw query: postgres.js returns an array, PGlite a result with `rows`. */
async function rowsOf<T>(db: Db, query: SQL): Promise<T[]> {
	const result = (await db.execute(query)) as unknown;
	return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

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
	return saveAnswer(db, rater, code, dimension, {
		kind: 'absolute',
		action: 'rating',
		field: 'score',
		value: score,
		table: 'ratings'
	});
}

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
		const row = await openAssignment(tx, rater, code);
		if (dimension !== '') requireDimension(row.form, dimension);
		const where = and(
			eq(comments.assignmentId, row.assignmentId),
			eq(comments.dimension, dimension)
		);
		const [old] = await tx.select().from(comments).where(where);
		const empty = text.trim() === '';
		if (empty ? !old : old?.body === text) return { changed: false };
		if (empty) await tx.delete(comments).where(where);
		else
			await tx
				.insert(comments)
				.values({ assignmentId: row.assignmentId, dimension, body: text })
				.onConflictDoUpdate({
					target: [comments.assignmentId, comments.dimension],
					set: { body: text, updatedAt: new Date() }
				});
		await audit.record(tx, rater, {
			action: empty ? 'comment.delete' : old ? 'comment.change' : 'comment.create',
			entity: 'assignment',
			entityId: row.assignmentId,
			studyId: rater.studyId,
			before: old ? { dimension, body: old.body } : null,
			after: empty ? null : { dimension, body: text }
		});
		return { changed: true };
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
		const row = await openAssignment(tx, rater, code, 'absolute');
		const where = eq(corrections.assignmentId, row.assignmentId);
		const [old] = await tx.select().from(corrections).where(where);
		const empty = text.trim() === '' || text === (row.letter ?? '');
		if (empty ? !old : old?.body === text) return { changed: false };
		if (empty) await tx.delete(corrections).where(where);
		else
			await tx
				.insert(corrections)
				.values({ assignmentId: row.assignmentId, body: text })
				.onConflictDoUpdate({
					target: corrections.assignmentId,
					set: { body: text, updatedAt: new Date() }
				});
		await audit.record(tx, rater, {
			action: empty ? 'correction.delete' : old ? 'correction.change' : 'correction.create',
			entity: 'assignment',
			entityId: row.assignmentId,
			studyId: rater.studyId,
			before: old ? { body: old.body } : null,
			after: empty ? null : { body: text }
		});
		return { changed: true };
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
		const row = await openAssignment(tx, rater, code);
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
