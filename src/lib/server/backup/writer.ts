/**
 * Writing a backup: the whole database in one file. The backup reads one snapshot (a read-only
 * repeatable-read transaction) and streams it table by table, parents first, each through COPY,
 * so memory stays flat at any size; the file appears only once complete.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { sql } from 'drizzle-orm';
import pkg from '../../../../package.json' with { type: 'json' };
import { ConflictError } from '../../errors';
import type { Db } from '../db';
import { copyOut, rawClient, sqlLiteral } from '../db/copy';
import {
	checkNoOtherTables,
	primaryKey,
	requireColumns,
	rows,
	useExactText,
	type CatalogColumn
} from './catalog';
import {
	BACKUP_FORMAT,
	BACKUP_FORMAT_VERSION,
	type BackupHeader,
	type BackupOptions,
	type BackupSummary,
	type TableCount
} from './format';
import { appliedMigrations, defaultMigrationsDir } from './migrations';
import { appTables, quoteIdent, type AppTable } from './tables';

/** Rows per COPY statement on PGlite (a page of the outputs table, at most a few MB). */
const PAGE_ROWS = 5000;

/**
 * Writes the whole database to `file` (gzip JSON Lines). The file appears only once complete
 * (written beside it under another name, synced, then renamed), readable by its owner only.
 */
export async function writeBackup(
	db: Db,
	file: string,
	opts: BackupOptions = {}
): Promise<BackupSummary> {
	if (!opts.overwrite && fs.existsSync(file))
		throw new ConflictError(`${file} exists already; choose another name or replace it (--force).`);
	const tables = appTables();
	const partial = `${file}.partial`;
	const counts: TableCount[] = [];
	let header: BackupHeader | undefined;
	try {
		await db.transaction(
			async (tx) => {
				await useExactText(tx);
				const columns = new Map<string, CatalogColumn[]>();
				for (const t of tables) columns.set(t.name, await requireColumns(tx, t));
				await checkNoOtherTables(tx, tables);
				const [server] = await rows<{ version: string; now: string }>(
					tx,
					sql`select version() as version, to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as now`
				);
				header = {
					format: BACKUP_FORMAT,
					version: BACKUP_FORMAT_VERSION,
					app: { name: pkg.name, version: pkg.version },
					createdAt: server!.now,
					server: server!.version,
					migrations: await appliedMigrations(tx, opts.migrationsDir ?? defaultMigrationsDir()),
					tables: tables.map((t) => t.name)
				};
				const h = header;
				async function* lines(): AsyncGenerator<string | Uint8Array> {
					const hash = createHash('sha256');
					const emit = (line: string) => {
						hash.update(line);
						return line;
					};
					yield emit(JSON.stringify(h) + '\n');
					let total = 0;
					for (const t of tables) {
						const cols = columns.get(t.name)!;
						yield emit(
							JSON.stringify({
								table: t.name,
								columns: cols.map((c) => ({ name: c.name, type: c.type }))
							}) + '\n'
						);
						let n = 0;
						for await (const chunk of tableLines(tx, t, cols, opts.pageRows ?? PAGE_ROWS)) {
							n += countLines(chunk);
							hash.update(chunk);
							yield chunk;
						}
						counts.push({ table: t.name, rows: n });
						total += n;
						yield emit(JSON.stringify({ tableEnd: t.name, rows: n }) + '\n');
					}
					yield (
						JSON.stringify({
							end: true,
							tables: tables.length,
							rows: total,
							sha256: hash.digest('hex')
						}) + '\n'
					);
				}
				await pipeline(lines, zlib.createGzip(), fs.createWriteStream(partial, { mode: 0o600 }));
			},
			{ isolationLevel: 'repeatable read', accessMode: 'read only' }
		);
		const fd = fs.openSync(partial, 'r+');
		try {
			fs.fsyncSync(fd);
		} finally {
			fs.closeSync(fd);
		}
		fs.renameSync(partial, file);
	} catch (e) {
		fs.rmSync(partial, { force: true });
		throw e;
	}
	return {
		file,
		header: header!,
		tables: counts,
		rows: counts.reduce((s, c) => s + c.rows, 0),
		bytes: fs.statSync(file).size
	};
}

/**
 * COPY options under which each JSON row comes out as it is, one per line: CSV quoting is never
 * triggered, since the JSON text holds no raw line break or control character (array_to_json
 * escapes them), so neither the delimiter nor the quote character (two control characters)
 * ever occurs in it.
 */
const ROW_LINES = `format csv, delimiter E'\\x01', quote E'\\x02'`;

function countLines(chunk: Uint8Array): number {
	let n = 0;
	for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
	return n;
}

/**
 * The rows of one table, one JSON array of text values a line, in primary-key order, as COPY
 * writes them. PostgreSQL streams the table in one statement. PGlite, whose COPY fills a Blob,
 * reads it in pages of `pageRows` by key (each page starts after the last key of the one before),
 * so memory stays flat there too; the caller's transaction makes the pages one snapshot.
 */
async function* tableLines(
	tx: Db,
	table: AppTable,
	columns: CatalogColumn[],
	pageRows: number
): AsyncGenerator<Uint8Array> {
	const pk = await primaryKey(tx, table);
	const values = columns.map((c) => `${quoteIdent(c.name)}::text`).join(', ');
	const order = pk.length ? ` order by ${pk.map(quoteIdent).join(', ')}` : '';
	const select = `select array_to_json(array[${values}]::text[])::text as r from ${table.sqlName}`;
	if (rawClient(tx).kind === 'postgres' || !pk.length) {
		yield* copyOut(tx, [select + order], ROW_LINES);
		return;
	}
	const keys = pk.map((name) => {
		const at = columns.findIndex((c) => c.name === name);
		return { at, sql: quoteIdent(name), type: columns[at]!.type };
	});
	let after = '';
	for (;;) {
		let last = '';
		let n = 0;
		for await (const chunk of copyOut(
			tx,
			[`${select}${after}${order} limit ${pageRows}`],
			ROW_LINES
		)) {
			n += countLines(chunk);
			last = lastLine(chunk) ?? last;
			yield chunk;
		}
		if (n < pageRows) return;
		const key = JSON.parse(last) as string[];
		after = ` where (${keys.map((k) => k.sql).join(', ')}) > (${keys.map((k) => `${sqlLiteral(key[k.at]!)}::${k.type}`).join(', ')})`;
	}
}

/** The last complete line of a chunk that ends with a line end (undefined when it holds none). */
function lastLine(chunk: Uint8Array): string | undefined {
	const end = chunk.lastIndexOf(10);
	if (end < 0) return undefined;
	const start = chunk.lastIndexOf(10, end - 1) + 1;
	return Buffer.from(chunk.buffer, chunk.byteOffset + start, end - start).toString('utf8');
}
