/**
 * The audit log's filter as it travels in a URL (so a filtered view can be shared), the keyset
 * cursor for paging, and the readable before → after difference of one entry. Pure: the page,
 * the CSV download and the service share it.
 */
import { z } from 'zod';
import { ValidationError } from '../errors';
import { ACTOR_TYPES, type ActorType } from './enums';

export { ACTOR_TYPES, type ActorType };

export interface AuditFilter {
	/** Study slug. */
	study?: string;
	entity?: string;
	entityId?: string;
	/** Prefix of the action: 'round.' or 'round' matches round.open, round.lock, … */
	action?: string;
	actorType?: ActorType;
	/** An actor id, or part of a user's name or email, or of a rater's pseudonym. */
	actor?: string;
	/** Inclusive lower bound. */
	from?: Date;
	/** Exclusive upper bound. */
	to?: Date;
	/** Free text, matched anywhere in the action or the entity. */
	q?: string;
}

/** The most entries one page shows (`limit` in the URL). */
export const MAX_PAGE_SIZE = 200;

/** Keyset cursor: entries older than `before`, or newer than `after` (by id). */
export type AuditCursor = { before: number } | { after: number } | null;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const text = z.string().trim().max(200).optional();
const time = (bound: 'from' | 'to') =>
	z
		.string()
		.trim()
		.optional()
		.transform((s, ctx) => {
			if (!s) return undefined;
			// A bare date is a whole UTC day: `to` runs through its end.
			const date = DAY.test(s) ? new Date(`${s}T00:00:00Z`) : new Date(s);
			if (Number.isNaN(date.getTime())) {
				ctx.addIssue({ code: 'custom', message: 'must be a date (YYYY-MM-DD) or ISO 8601 time' });
				return z.NEVER;
			}
			if (bound === 'to' && DAY.test(s)) date.setUTCDate(date.getUTCDate() + 1);
			return date;
		});
const id = z.coerce.number().int().positive().optional();

const QUERY = z.object({
	study: text,
	entity: text,
	entityId: text,
	action: text,
	actorType: z.enum(ACTOR_TYPES).optional(),
	actor: text,
	from: time('from'),
	to: time('to'),
	q: text,
	before: id,
	after: id,
	limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional()
});

/**
 * Reads the filter, cursor and page size from URL search parameters; empty fields mean "any".
 */
export function parseAuditQuery(params: URLSearchParams): {
	filter: AuditFilter;
	cursor: AuditCursor;
	limit?: number;
} {
	const raw = Object.fromEntries(
		[...QUERY.keyof().options].map((k) => [k, params.get(k) || undefined])
	);
	const parsed = QUERY.safeParse(raw);
	if (!parsed.success)
		throw new ValidationError(
			parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }))
		);
	const { before, after, limit, ...rest } = parsed.data;
	const filter = Object.fromEntries(
		Object.entries(rest).filter(([, v]) => v !== undefined && v !== '')
	) as AuditFilter;
	return { filter, cursor: before ? { before } : after ? { after } : null, limit };
}

/**
 * The search string of the same view with another cursor (null: the newest page, as the CSV
 * download uses): the filter fields are kept exactly as the user typed them.
 */
export function withCursor(params: URLSearchParams, cursor: AuditCursor): string {
	const out = new URLSearchParams(params);
	out.delete('before');
	out.delete('after');
	for (const [k, v] of [...out]) if (!v) out.delete(k);
	if (cursor && 'before' in cursor) out.set('before', String(cursor.before));
	if (cursor && 'after' in cursor) out.set('after', String(cursor.after));
	const s = out.toString();
	return s ? `?${s}` : '';
}

export interface DiffLine {
	/** The changed field ('' when before/after are not objects). */
	key: string;
	before?: unknown;
	after?: unknown;
}

function isRecord(v: unknown): v is Record<string, unknown> {
	return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * The fields an entry changed: for two objects, each key whose value differs (compared as
 * JSON); a missing side is undefined. Keys in the order they first appear.
 */
export function auditDiff(before: unknown, after: unknown): DiffLine[] {
	const b = before ?? undefined;
	const a = after ?? undefined;
	if ((b === undefined || isRecord(b)) && (a === undefined || isRecord(a))) {
		const keys = [...new Set([...Object.keys(b ?? {}), ...Object.keys(a ?? {})])];
		return keys
			.map((key) => ({ key, before: b?.[key], after: a?.[key] }))
			.filter((d) => JSON.stringify(d.before) !== JSON.stringify(d.after));
	}
	return JSON.stringify(b) === JSON.stringify(a) ? [] : [{ key: '', before: b, after: a }];
}

/** A value of a diff line as short text: strings as they are, anything else as JSON. */
export function showValue(v: unknown): string {
	if (v === undefined) return '–';
	return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * Drops every field whose name mentions a token (at any depth): the log is for coordinators,
 * but a rater's link must never be readable from it, whatever a service wrote.
 */
export function redactSecrets(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(redactSecrets);
	if (!isRecord(value)) return value;
	return Object.fromEntries(
		Object.entries(value)
			.filter(([k]) => !/token/i.test(k))
			.map(([k, v]) => [k, redactSecrets(v)])
	);
}
