// Over 300 lines: one query over one table: filters, keyset paging both ways, CSV through COPY.
/**
 * Reading the audit log: filtered, newest first, paged by id (keyset, so page 1,000 costs what
 * page 1 costs), actors shown by name (users) or pseudonym (raters), and a CSV export of a
 * filter streamed in pages. Read-only on purpose: nothing here or in the UI deletes audit rows.
 */
import { and, asc, desc, eq, gt, gte, ilike, lt, or, sql, type SQL } from 'drizzle-orm';
import { alias, type PgSelect } from 'drizzle-orm/pg-core';
import {
	auditDiff,
	redactSecrets,
	type AuditCursor,
	type AuditFilter,
	type DiffLine
} from '../../domain/audit-query';
import { toCsvRows, toCsv } from '../../domain/csv';
import { canReadAuditLog, requireThat } from '../auth/access';
import type { Actor } from '../auth/actors';
import type { Db } from '../db';
import { copyOut, inlineParams, parseCopyText, rawClient, snapshotOut } from '../db/copy';
import { auditLog, raters, studies, users } from '../db/schema';

export const PAGE_SIZE = 50;
const EXPORT_PAGE = 1000;

export const CSV_COLUMNS = [
	'id',
	'at',
	'actor_type',
	'actor',
	'action',
	'entity',
	'entity_id',
	'study',
	'before',
	'after'
] as const;

export interface AuditRow {
	id: number;
	at: Date;
	actorType: 'user' | 'rater' | 'cli' | 'system';
	actorId: string | null;
	/** User name and email, rater pseudonym, 'command line' or 'system'. */
	actor: string;
	action: string;
	entity: string;
	entityId: string | null;
	/** Study slug. */
	study: string | null;
	before: unknown;
	after: unknown;
	diff: DiffLine[];
}

export interface AuditPage {
	rows: AuditRow[];
	/** Cursor of the page of newer entries, null on the newest page. */
	newer: AuditCursor;
	/** Cursor of the page of older entries, null on the oldest page. */
	older: AuditCursor;
}

function requireCoordinator(actor: Actor) {
	requireThat(canReadAuditLog(actor), 'Raters cannot read the audit log');
}

const actorUser = alias(users, 'actor_user');
const actorRater = alias(raters, 'actor_rater');

/** Escapes LIKE wildcards so user text matches literally. */
function literal(s: string): string {
	return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function where(filter: AuditFilter): SQL | undefined {
	const contains = (s: string) => `%${literal(s)}%`;
	return and(
		filter.study ? eq(studies.slug, filter.study) : undefined,
		filter.entity ? eq(auditLog.entity, filter.entity) : undefined,
		filter.entityId ? eq(auditLog.entityId, filter.entityId) : undefined,
		filter.action ? ilike(auditLog.action, `${literal(filter.action)}%`) : undefined,
		filter.actorType ? eq(auditLog.actorType, filter.actorType) : undefined,
		filter.actor
			? or(
					eq(auditLog.actorId, filter.actor),
					ilike(actorUser.name, contains(filter.actor)),
					ilike(actorUser.email, contains(filter.actor)),
					ilike(actorRater.pseudonym, contains(filter.actor))
				)
			: undefined,
		filter.from ? gte(auditLog.at, filter.from) : undefined,
		filter.to ? lt(auditLog.at, filter.to) : undefined,
		filter.q
			? or(ilike(auditLog.action, contains(filter.q)), ilike(auditLog.entity, contains(filter.q)))
			: undefined
	);
}

/** The columns a page shows; `COPY_COLUMNS` has the same keys in the same order. */
const COLUMNS = {
	id: auditLog.id,
	at: auditLog.at,
	actorType: auditLog.actorType,
	actorId: auditLog.actorId,
	userName: sql<string | null>`${actorUser.name}`,
	userEmail: sql<string | null>`${actorUser.email}`,
	pseudonym: sql<string | null>`${actorRater.pseudonym}`,
	action: auditLog.action,
	entity: auditLog.entity,
	entityId: auditLog.entityId,
	study: sql<string | null>`${studies.slug}`,
	before: auditLog.before,
	after: auditLog.after
};

/**
 * The columns of `COLUMNS` as COPY text: times as Date.toISOString() writes them, JSON as text.
 * `fromCopy` reads them by position, so the order is fixed.
 */
const COPY_COLUMNS = {
	...COLUMNS,
	at: sql<string>`to_char(${auditLog.at} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
	before: sql<string>`${auditLog.before}::text`,
	after: sql<string>`${auditLog.after}::text`
};

/**
 * The filtered log with actors and studies resolved, the one place its joins are written (the
 * page path and the COPY path both go through it); ids are compared as text (actorId is).
 */
function joined<T extends PgSelect>(query: T, filter: AuditFilter, extra: SQL | undefined) {
	return query
		.leftJoin(
			actorUser,
			and(eq(auditLog.actorType, 'user'), sql`${actorUser.id}::text = ${auditLog.actorId}`)
		)
		.leftJoin(
			actorRater,
			and(eq(auditLog.actorType, 'rater'), sql`${actorRater.id}::text = ${auditLog.actorId}`)
		)
		.leftJoin(studies, eq(studies.id, auditLog.studyId))
		.where(and(where(filter), extra));
}

function select(db: Db, filter: AuditFilter, extra: SQL | undefined) {
	return joined(db.select(COLUMNS).from(auditLog).$dynamic(), filter, extra);
}

type Selected = Awaited<ReturnType<typeof select>>[number];

function shape(r: Selected): AuditRow {
	const actor =
		r.actorType === 'user'
			? r.userName
				? `${r.userName} <${r.userEmail}>`
				: `user ${r.actorId ?? '?'}`
			: r.actorType === 'rater'
				? (r.pseudonym ?? `rater ${r.actorId ?? '?'}`)
				: r.actorType === 'cli'
					? 'command line'
					: 'system';
	const before = redactSecrets(r.before);
	const after = redactSecrets(r.after);
	return {
		id: r.id,
		at: r.at,
		actorType: r.actorType,
		actorId: r.actorId,
		actor,
		action: r.action,
		entity: r.entity,
		entityId: r.entityId,
		study: r.study,
		before,
		after,
		diff: auditDiff(before, after)
	};
}

/**
 * One page of the filtered log, newest first. `cursor` {before: id} gives the entries older than
 * id, {after: id} those newer than id (the page just above it); null gives the newest page.
 */
export async function list(
	db: Db,
	actor: Actor,
	filter: AuditFilter,
	cursor: AuditCursor = null,
	pageSize = PAGE_SIZE
): Promise<AuditPage> {
	requireCoordinator(actor);
	const goingUp = cursor !== null && 'after' in cursor;
	const fetched = await fetch(db, filter, cursor, pageSize + 1);
	const more = fetched.length > pageSize;
	const page = fetched.slice(0, pageSize);
	if (goingUp) page.reverse();
	const rows = page.map(shape);
	const first = rows[0]?.id;
	const last = rows.at(-1)?.id;
	// One side is known from the extra row fetched; the other only exists if a cursor was given.
	const exists = async (extra: SQL) => (await select(db, filter, extra).limit(1)).length > 0;
	const hasNewer = goingUp
		? more
		: first !== undefined && cursor !== null && (await exists(gt(auditLog.id, first)));
	const hasOlder = goingUp ? last !== undefined && (await exists(lt(auditLog.id, last))) : more;
	return {
		rows,
		newer: hasNewer && first !== undefined ? { after: first } : null,
		older: hasOlder && last !== undefined ? { before: last } : null
	};
}

/** Up to `limit` entries beyond the cursor, nearest first (newest first unless going up). */
function fetch(db: Db, filter: AuditFilter, cursor: AuditCursor, limit: number) {
	if (cursor !== null && 'after' in cursor)
		return select(db, filter, gt(auditLog.id, cursor.after)).orderBy(asc(auditLog.id)).limit(limit);
	const bound = cursor === null ? undefined : lt(auditLog.id, cursor.before);
	return select(db, filter, bound).orderBy(desc(auditLog.id)).limit(limit);
}

/** The entities and studies that occur in the log, for the filter's choices. */
export async function choices(
	db: Db,
	actor: Actor
): Promise<{ entities: string[]; studies: string[] }> {
	requireCoordinator(actor);
	const entities = await db
		.selectDistinct({ entity: auditLog.entity })
		.from(auditLog)
		.orderBy(asc(auditLog.entity));
	const slugs = await db.select({ slug: studies.slug }).from(studies).orderBy(asc(studies.slug));
	return { entities: entities.map((e) => e.entity), studies: slugs.map((s) => s.slug) };
}

function csvRow(r: AuditRow) {
	const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
	return {
		id: r.id,
		at: r.at,
		actor_type: r.actorType,
		actor: r.actor,
		action: r.action,
		entity: r.entity,
		entity_id: r.entityId,
		study: r.study,
		before: json(r.before),
		after: json(r.after)
	};
}

/**
 * The filtered log as CSV, newest first. The rows come through the database's COPY (one
 * statement on PostgreSQL, pages of `pageSize` on PGlite read in one snapshot), so memory
 * stays flat however long the log is; each row is shaped (actor, secrets left out) and written
 * as before. Times are ISO 8601 UTC; before and after are JSON text.
 */
export function csvStream(
	db: Db,
	actor: Actor,
	filter: AuditFilter,
	pageSize = EXPORT_PAGE
): { filename: string; contentType: string; chunks: AsyncIterable<string> } {
	requireCoordinator(actor);
	return {
		filename: `audit-${filter.study ?? 'all'}.csv`,
		contentType: 'text/csv; charset=utf-8',
		chunks: (async function* () {
			yield toCsv(CSV_COLUMNS, []);
			yield* csvLines(db, filter, pageSize);
		})()
	};
}

async function* csvLines(db: Db, filter: AuditFilter, pageSize: number): AsyncGenerator<string> {
	const decoder = new TextDecoder('utf-8');
	let pending = '';
	for await (const bytes of snapshotOut(db, (tx) => copyPages(tx, filter, pageSize))) {
		pending += decoder.decode(bytes, { stream: true });
		const cut = pending.lastIndexOf('\n') + 1;
		if (!cut) continue;
		const rows = parseCopyText(pending.slice(0, cut)).map(fromCopy);
		pending = pending.slice(cut);
		if (rows.length)
			yield toCsvRows(
				CSV_COLUMNS,
				rows.map((r) => csvRow(shape(r)))
			);
	}
}

/**
 * The filtered log in COPY's text format, newest first: one statement on PostgreSQL, pages of
 * `pageSize` on PGlite, each page starting below the last id of the one before. `csvLines` runs
 * it in one snapshot (`snapshotOut`), so every page reads the same log, names and studies.
 */
async function* copyPages(
	db: Db,
	filter: AuditFilter,
	pageSize: number
): AsyncGenerator<Uint8Array> {
	const postgres = rawClient(db).kind === 'postgres';
	let last: number | null = null;
	for (;;) {
		const bound = last === null ? undefined : lt(auditLog.id, last);
		const query = joined(db.select(COPY_COLUMNS).from(auditLog).$dynamic(), filter, bound).orderBy(
			desc(auditLog.id)
		);
		const text = inlineParams((postgres ? query : query.limit(pageSize)).toSQL());
		if (postgres) {
			yield* copyOut(db, [text], 'format text');
			return;
		}
		const chunks: Uint8Array[] = [];
		for await (const bytes of copyOut(db, [text], 'format text')) chunks.push(bytes);
		const page = Buffer.concat(chunks);
		// The page is parsed once, by csvLines: here its rows are only counted and the last id
		// read, on the bytes (one line per row, each ending in LF, as COPY's text format escapes
		// line breaks in values; the id, ASCII digits, comes first).
		const rows = countLines(page);
		if (rows) {
			const start = page.lastIndexOf(LF, page.length - 2) + 1;
			last = Number(page.toString('latin1', start, page.indexOf(TAB, start)));
			yield page;
		}
		if (rows < pageSize) return;
	}
}

const LF = 0x0a;
const TAB = 0x09;

/** How many LF bytes `bytes` holds. */
function countLines(bytes: Buffer): number {
	let n = 0;
	for (let i = bytes.indexOf(LF); i !== -1; i = bytes.indexOf(LF, i + 1)) n++;
	return n;
}

/** A row of `copySelect` as `select` gives it (the JSON parsed as the drivers parse jsonb). */
function fromCopy(f: (string | null)[]): Selected {
	const json = (v: string | null) => (v === null ? null : JSON.parse(v));
	return {
		id: Number(f[0]),
		at: f[1] as unknown as Date,
		actorType: f[2] as Selected['actorType'],
		actorId: f[3] ?? null,
		userName: f[4] ?? null,
		userEmail: f[5] ?? null,
		pseudonym: f[6] ?? null,
		action: f[7]!,
		entity: f[8]!,
		entityId: f[9] ?? null,
		study: f[10] ?? null,
		before: json(f[11]!),
		after: json(f[12]!)
	};
}
