/**
 * The rater's service, one namespace for routes and tests (`import * as rating`). A score and a
 * pairwise choice are saved here, in one SQL statement each; the rest lives in rating/: who the
 * rater is and their round (session.ts), the item they see (item.ts, where blinding is kept),
 * their comments, corrections and time (notes.ts).
 */
import { sql, type SQL } from 'drizzle-orm';
import {
	HIGHEST_SCORE,
	LOWEST_SCORE,
	NAMED_SCALES,
	SCALE_NAMES,
	scaleOf,
	scoreProblem,
	scoreRange,
	type ScaleSpec
} from '../domain/scales';
import { CHOICES, type Choice } from '../domain/round-options';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import type { RaterActor } from './auth/actors';
import type { Db } from './db';

export { raterFromToken, currentRound, type RaterRound } from './rating/session';
export { item, type AbsoluteItem, type PairwiseItem, type RaterItem } from './rating/item';
export {
	MAX_COMMENT_LENGTH,
	MAX_CORRECTION_LENGTH,
	MAX_SECONDS_PER_REPORT,
	saveComment,
	saveCorrection,
	addTime
} from './rating/notes';
export { listMarks, saveMark, deleteMark } from './rating/marks';

/**
 * Saves one score. Idempotent: saving the same score again changes nothing and writes no audit
 * row; a changed score is audited with before and after. The score must be on its dimension's
 * scale (domain/scales.ts): saveAnswer's statement checks it against the form and refuses it
 * with the scale's own scores ("must be 0 (No) or 1 (Yes)").
 */
export async function saveScore(
	db: Db,
	rater: RaterActor,
	code: string,
	dimension: string,
	score: unknown
): Promise<{ changed: boolean }> {
	if (
		typeof score !== 'number' ||
		!Number.isInteger(score) ||
		score < LOWEST_SCORE ||
		score > HIGHEST_SCORE
	)
		throw new ValidationError([
			{ field: 'score', message: "must be a whole number on the dimension's scale" }
		]);
	return saveAnswer(db, rater, code, dimension, {
		kind: 'absolute',
		action: 'rating',
		field: 'score',
		value: score,
		table: 'ratings'
	});
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
	/** The dimension's `scale:` (null: the default 4 points, or an unknown dimension). */
	scale: ScaleSpec | null;
	/** The value is one of the dimension's answers (a choice always is). */
	fits: boolean;
	changed: boolean;
}

/**
 * SQL: is the score `value` on the scale `spec` (a dimension's `scale:` in the form's jsonb)?
 * Written out from domain/scales.ts, so the statement and scaleOf() agree on every scale.
 */
function scoreFits(spec: SQL, value: SQL): SQL {
	const named = SCALE_NAMES.map((name) => {
		const first = NAMED_SCALES[name].first;
		const last = first + NAMED_SCALES[name].anchors.en.length - 1;
		return sql`when ${name}::text then ${value} between ${first} and ${last}`;
	});
	const { min, max } = scoreRange(scaleOf(undefined));
	return sql`case when ${spec} is null then ${value} between ${min} and ${max}
		else case ${spec} #>> '{}' ${sql.join(named, sql` `)}
			else ${value} between 1 and (${spec} #>> '{}')::int end end`;
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
	const fits = store.field === 'score' ? scoreFits(sql`a.scale`, value) : sql`true`;
	const [outcome] = await rowsOf<AnswerOutcome>(
		db,
		sql`with a as (
			select asg.id, r.status, r.kind, dim.known, dim.scale
			from items i
			join assignments asg on asg.item_id = i.id
			join rounds r on r.id = i.round_id
			left join lateral (
				select true as known, d -> 'scale' as scale
				from jsonb_array_elements(r.form -> 'dimensions') d
				where d ->> 'key' = ${dimension}::text limit 1
			) dim on true
			where i.code = ${code}::text and asg.rater_id = ${rater.id}::uuid
		), old as (
			select t.${column} as v from ${table} t
			where t.assignment_id = (select id from a) and t.dimension = ${dimension}::text
		), ok as (
			select a.id from a
			where a.status = 'open' and a.kind = ${store.kind}::text and a.known and ${fits}
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
		select a.status, a.kind, coalesce(a.known, false) as known, a.scale,
			coalesce(${fits}, false) as fits, exists (select 1 from up) as changed from a`
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
	if (!outcome.fits)
		throw new ValidationError([
			{
				field: 'score',
				message: scoreProblem(scaleOf(outcome.scale ?? undefined), store.value) ?? 'off the scale'
			}
		]);
	return { changed: outcome.changed };
}

/** The rows of a raw query: postgres.js returns an array, PGlite a result with `rows`. */
async function rowsOf<T>(db: Db, query: SQL): Promise<T[]> {
	const result = (await db.execute(query)) as unknown;
	return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
