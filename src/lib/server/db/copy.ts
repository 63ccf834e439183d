/**
 * PostgreSQL's COPY on both drivers, for the bulk paths (CSV exports, backup and restore):
 * rows move as text in bulk instead of one protocol message and one JavaScript object each.
 *
 * - postgres.js streams: `COPY … TO STDOUT` as a Readable (backpressure reaches the socket),
 *   `COPY … FROM STDIN` as a Writable.
 * - PGlite moves a whole COPY through a Blob (`/dev/blob`), so callers that need flat memory on
 *   PGlite split their work into several COPY statements (by key ranges), inside a transaction
 *   when they need one snapshot (`snapshotOut`).
 *
 * COPY takes no bind parameters: values are written into the statement as literals by
 * `sqlLiteral` (escape-string syntax, so the result is the same whatever
 * standard_conforming_strings says). Never build a COPY statement from text any other way.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PGliteInterface } from '@electric-sql/pglite';
import type postgres from 'postgres';
import type { Db } from './index';

type PgClient = postgres.Sql | postgres.TransactionSql;
type Raw = { kind: 'postgres'; sql: PgClient } | { kind: 'pglite'; pg: PGliteInterface };

/**
 * The driver client behind a drizzle database or transaction. Drizzle keeps it on its session
 * (postgres.js: the pool or the transaction's connection; PGlite: the instance or transaction),
 * so a COPY issued here runs inside the caller's transaction when `db` is one.
 */
export function rawClient(db: Db): Raw {
	const client = (db as unknown as { session?: { client?: unknown } }).session?.client;
	if (typeof client === 'function' && 'unsafe' in client)
		return { kind: 'postgres', sql: client as PgClient };
	if (client && typeof client === 'object' && 'query' in client)
		return { kind: 'pglite', pg: client as PGliteInterface };
	throw new Error('COPY needs a postgres.js or PGlite database');
}

/** A SQL string literal for any text (E'' syntax: backslashes and quotes escaped). */
export function sqlLiteral(value: string): string {
	return `E'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** A UUID checked to be one, for inlining into a statement. */
export function uuidLiteral(value: string): string {
	if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value))
		throw new Error('not a UUID');
	return `'${value}'::uuid`;
}

/**
 * Runs each `COPY (query) TO STDOUT WITH (options)` in turn and yields the bytes it writes.
 * postgres.js streams each statement; PGlite yields one chunk per statement (keep them small).
 */
export async function* copyOut(
	db: Db,
	queries: Iterable<string> | AsyncIterable<string>,
	options: string
): AsyncGenerator<Uint8Array> {
	const raw = rawClient(db);
	for await (const query of queries) {
		if (raw.kind === 'postgres') yield* streamOut(raw.sql, query, options);
		else {
			const result = await raw.pg.query(`copy (${query}) to '/dev/blob' with (${options})`);
			if (result.blob) yield new Uint8Array(await result.blob.arrayBuffer());
		}
	}
}

/**
 * The bytes `produce` writes, all read from one snapshot of the database.
 *
 * - PostgreSQL: `produce` runs on `db` as it is, and must read with one statement (one COPY is
 *   one snapshot), which streams with backpressure.
 * - PGlite: `produce` runs in one read-only repeatable-read transaction, so its several COPY
 *   statements see the same data. PGlite runs one transaction at a time and makes every other
 *   query wait for it, so the transaction must not last as long as a slow reader: the bytes go
 *   to a spool file at database speed, the transaction ends, and the file is then read out. The
 *   file is unlinked as soon as it is open (readable by its owner only meanwhile), so nothing is
 *   left behind even by a crash; memory stays flat.
 */
export async function* snapshotOut(
	db: Db,
	produce: (db: Db) => AsyncIterable<Uint8Array>
): AsyncGenerator<Uint8Array> {
	if (rawClient(db).kind === 'postgres') {
		yield* produce(db);
		return;
	}
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-spool-'));
	let handle: fs.promises.FileHandle;
	try {
		handle = await fs.promises.open(path.join(dir, 'spool'), 'w+', 0o600);
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
	try {
		await db.transaction(
			async (tx) => {
				for await (const chunk of produce(tx)) await handle.write(chunk);
			},
			{ isolationLevel: 'repeatable read', accessMode: 'read only' }
		);
		for (let position = 0; ;) {
			const buffer = Buffer.allocUnsafe(SPOOL_READ);
			const { bytesRead } = await handle.read(buffer, 0, SPOOL_READ, position);
			if (!bytesRead) break;
			position += bytesRead;
			yield buffer.subarray(0, bytesRead);
		}
	} finally {
		await handle.close();
	}
}

/** Bytes per read of a spool file. */
const SPOOL_READ = 1024 * 1024;

/**
 * `COPY target FROM STDIN` with the given text (PostgreSQL's text format unless `options` says
 * otherwise), in one statement. Rejects with the server's error, whose `where` names the line
 * of the data (e.g. "COPY ratings, line 12, column score: …").
 */
export async function copyIn(db: Db, target: string, data: string, options = ''): Promise<void> {
	const raw = rawClient(db);
	const statement = `copy ${target} from ${raw.kind === 'postgres' ? 'stdin' : "'/dev/blob'"}${options ? ` with (${options})` : ''}`;
	if (raw.kind === 'pglite') {
		await raw.pg.query(statement, [], { blob: new Blob([data]) });
		return;
	}
	const query = raw.sql.unsafe(statement);
	const { completed } = settling(query);
	let stream: import('node:stream').Writable;
	try {
		stream = await query.writable();
	} catch (e) {
		await completed.catch(() => {});
		throw e;
	}
	stream.on('error', () => {});
	stream.end(data);
	await completed;
}

type Pending = ReturnType<PgClient['unsafe']>;
type Settling = Pending & {
	resolve(x: unknown): void;
	reject(e: unknown): void;
};

/**
 * When a COPY statement has completed. postgres.js resolves a COPY query with its stream and
 * then drops what comes later: an error the server reports after the end of the data is lost
 * and the Writable waits forever. The query settles a second time when the statement
 * completes (or fails): listen for that instead.
 */
function settling(pending: Pending) {
	const query = pending as Settling;
	const state = { settled: false };
	const completed = new Promise<void>((resolve, reject) => {
		const { resolve: resolved, reject: rejected } = query;
		let streamed = false;
		query.resolve = (x: unknown) => {
			if (streamed) {
				state.settled = true;
				resolve();
			}
			streamed = true;
			resolved(x);
		};
		query.reject = (e: unknown) => {
			state.settled = true;
			reject(e);
			rejected(e);
		};
	});
	return { completed, state };
}

/**
 * One COPY … TO STDOUT through postgres.js. Its Readable pauses the connection's socket when
 * its buffer is full and resumes it only from read(): once the stream has ended nothing calls
 * read() again, so the socket is resumed here, or the connection's next query waits forever.
 * A consumer that stops early cancels the statement and the rest is drained, not buffered.
 */
async function* streamOut(client: PgClient, query: string, options: string) {
	const pending = client.unsafe(`copy (${query}) to stdout with (${options})`);
	const { completed, state } = settling(pending);
	const stream = await pending.readable();
	const resume = () => (stream as unknown as { _read(n: number): void })._read(0);
	let done = false;
	try {
		for await (const chunk of stream.iterator({ destroyOnReturn: false }))
			yield chunk as Uint8Array;
		done = true;
	} finally {
		if (!done) {
			stream.on('data', () => {});
			stream.resume();
			if (!state.settled) pending.cancel();
		}
		resume();
		// Stopped early or failed: the statement's end (a cancel, or the error the consumer got).
		if (!done) await completed.catch(() => {});
	}
	await completed;
}

/** A value in COPY's text format: backslash, tab, LF and CR escaped; null as \N. */
export function copyValue(v: string | null | undefined): string {
	if (v === null || v === undefined) return '\\N';
	return /[\\\t\n\r]/.test(v)
		? v.replace(/[\\\t\n\r]/g, (c) =>
				c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'
			)
		: v;
}

/** One row in COPY's text format, without its line end. */
export function copyRow(values: (string | null | undefined)[]): string {
	return values.map(copyValue).join('\t');
}

/**
 * A drizzle query's SQL with its parameters written in as literals, for COPY (which takes no
 * parameters). Placeholders ($1, $2, …) are replaced outside quoted strings and identifiers only.
 */
export function inlineParams(query: { sql: string; params: unknown[] }): string {
	return query.sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\$(\d+)/g, (m, n: string | undefined) => {
		if (n === undefined) return m;
		const v = query.params[Number(n) - 1];
		if (v === null || v === undefined) return 'null';
		if (typeof v === 'number' && Number.isFinite(v)) return String(v);
		if (typeof v === 'boolean') return v ? 'true' : 'false';
		if (v instanceof Date) return sqlLiteral(v.toISOString());
		if (typeof v === 'string') return sqlLiteral(v);
		throw new Error(`cannot inline a parameter of type ${typeof v}`);
	});
}

const UNESCAPE: Record<string, string> = {
	b: '\b',
	f: '\f',
	n: '\n',
	r: '\r',
	t: '\t',
	v: '\v',
	'\\': '\\'
};

/**
 * Splits COPY text-format output (whole lines) into rows of fields: \N is null, and the
 * escapes COPY TO writes (\\, \b, \f, \n, \r, \t, \v) are undone.
 */
export function parseCopyText(lines: string): (string | null)[][] {
	const rows: (string | null)[][] = [];
	for (const line of lines.split('\n')) {
		if (line === '') continue;
		rows.push(
			line
				.split('\t')
				.map((f) =>
					f === '\\N'
						? null
						: f.includes('\\')
							? f.replace(/\\(.)/g, (_, c: string) => UNESCAPE[c] ?? c)
							: f
				)
		);
	}
	return rows;
}
