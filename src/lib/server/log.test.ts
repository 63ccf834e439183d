import { DrizzleQueryError } from 'drizzle-orm/errors';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { logServerError, redactMessage, summarizeError } from './log';

const SECRET = 'Patient Erika Muster, comment MARKER-7f3a';

/** Shaped like postgres.js's PostgresError: its fields hold the query and its parameters. */
function postgresError(message: string, code: string) {
	return Object.assign(new Error(message), {
		name: 'PostgresError',
		code,
		query: `insert into comments (body) values ($1)`,
		parameters: [SECRET],
		detail: `Failing row contains (${SECRET}).`
	});
}

describe('summarizeError', () => {
	afterEach(() => vi.restoreAllMocks());

	it('describes a drizzle query error by its cause, without SQL or parameters', () => {
		const cause = postgresError('invalid byte sequence for encoding "UTF8": 0x00', '22021');
		const e = new DrizzleQueryError('insert into "comments" ("body") values ($1)', [SECRET], cause);
		expect(e.message).toContain(SECRET); // what used to reach the log
		expect(summarizeError(e)).toEqual({
			name: 'DrizzleQueryError: PostgresError',
			code: '22021',
			message: 'invalid byte sequence for encoding "UTF8": 0x00'
		});
	});

	it('cuts quoted values out of messages, keeping identifiers', () => {
		expect(redactMessage(`invalid input syntax for type uuid: "${SECRET}"`)).toBe(
			'invalid input syntax for type uuid: "…"'
		);
		expect(redactMessage(`Unexpected token 'P', "${SECRET}" is not valid JSON`)).toBe(
			`Unexpected token 'P', "…" is not valid JSON`
		);
		expect(redactMessage('duplicate key value violates unique constraint "comments_pkey"')).toBe(
			'duplicate key value violates unique constraint "comments_pkey"'
		);
		expect(redactMessage('x'.repeat(400))).toHaveLength(301);
	});

	it('logs one line with id, place, code and message, and nothing of the data', () => {
		const lines: string[] = [];
		vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
			lines.push(args.map(String).join(' '));
		});
		logServerError(
			'id-1',
			'PUT /api/rater/items/[code]/comments',
			postgresError(`value "${SECRET}" refused`, 'P0001')
		);
		expect(lines).toEqual([
			'[id-1] PUT /api/rater/items/[code]/comments: PostgresError (P0001): value "…" refused'
		]);
	});
});
