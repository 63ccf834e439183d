/**
 * Backup and restore of the whole database as one file: gzip-compressed JSON Lines.
 *
 *   line 1    header: format, format version, app version, applied drizzle migrations, tables
 *   per table {"table": name, "columns": [{name, type}, …]}
 *             one JSON array per row, each value PostgreSQL's text form of the column (or null)
 *             {"tableEnd": name, "rows": n}
 *   last line {"end": true, "tables": n, "rows": n, "sha256": hex of every line before it}
 *
 * Tables come from the drizzle schema module, so a table added there is backed up without a
 * change here; they are written parents first (foreign keys), so restore streams the file in
 * order. Values travel as PostgreSQL's own text output and are read back with casts to the
 * column types: timestamps keep their microseconds, `json` keeps its text (key order, spaces),
 * `jsonb`, bigint, real, booleans and nulls come back exactly. The whole backup reads one
 * snapshot (a read-only repeatable-read transaction), through a cursor, in batches: memory
 * stays flat at any size. Restore runs in one transaction: it writes everything or nothing.
 *
 * The format is described for users in docs/backup.md.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { is, sql, type SQL } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import pkg from '../../../package.json' with { type: 'json' };
import { ConflictError, ValidationError, type Issue } from '../errors';
import { CLI, type Actor } from './auth/actors';
import * as audit from './audit/record';
import type { Db } from './db';
import { copyIn, copyOut, copyRow, rawClient } from './db/copy';
import * as schema from './db/schema';

export const BACKUP_FORMAT = 'blindeval-backup';
export const BACKUP_FORMAT_VERSION = 1;

/** Rows per FETCH when reading, and the most rows / bytes per INSERT when restoring. */
const FETCH_ROWS = 500;
const INSERT_ROWS = 500;
const INSERT_BYTES = 4 * 1024 * 1024;
/** Characters of COPY text per statement when restoring (a savepoint each). */
const COPY_BYTES = 2 * 1024 * 1024;
/** A longer line is damage (or not a backup at all), not a row. */
const MAX_LINE_CHARS = 256 * 1024 * 1024;

export interface BackupMigration {
	/** The migration file's name in drizzle/ (e.g. 0003_study_analysis), when it is known here. */
	tag: string | null;
	/** SHA-256 of the migration's SQL, as drizzle records it in drizzle.__drizzle_migrations. */
	hash: string;
	createdAt: number;
}

export interface BackupColumn {
	name: string;
	/** format_type() of the column, e.g. "timestamp with time zone", "jsonb". */
	type: string;
}

export interface BackupHeader {
	format: typeof BACKUP_FORMAT;
	version: number;
	app: { name: string; version: string };
	createdAt: string;
	/** version() of the server that was backed up (PGlite reports its PostgreSQL version). */
	server: string;
	migrations: BackupMigration[];
	tables: string[];
}

export interface TableCount {
	table: string;
	rows: number;
}

export interface BackupSummary {
	file: string;
	header: BackupHeader;
	tables: TableCount[];
	rows: number;
	bytes: number;
}

export interface RestoreSummary {
	file: string;
	header: BackupHeader;
	tables: TableCount[];
	rows: number;
}

export interface BackupOptions {
	/** Replace an existing file (default: refuse). */
	overwrite?: boolean;
	/** The drizzle migration folder, to name migrations in the header (default ./drizzle). */
	migrationsDir?: string;
}

export interface RestoreOptions {
	/** Empty a database that holds data first (in the same transaction). */
	force?: boolean;
	/** Who restores, for the audit log (default the CLI). */
	actor?: Actor;
	migrationsDir?: string;
}

// ---------------------------------------------------------------------------------------------
// Tables, in foreign-key order

export interface AppTable {
	name: string;
	/** PostgreSQL schema (public unless the drizzle table says otherwise). */
	schema: string;
	/** Quoted, schema-qualified name for SQL. */
	sqlName: string;
	/** Tables this one references (itself excluded). */
	parents: string[];
	/** A foreign key of the table points to the table itself (items.repeat_of_item_id). */
	selfReferencing: boolean;
}

function quoteIdent(name: string): string {
	return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Every table of the drizzle schema module, parents before children. Tables are found by what
 * they are (PgTable), not by a list, so tables added to schema.ts are included as they come.
 */
export function appTables(module: Record<string, unknown> = schema): AppTable[] {
	const found: AppTable[] = [];
	for (const value of Object.values(module)) {
		if (!is(value, PgTable)) continue;
		const config = getTableConfig(value);
		const tableSchema = config.schema ?? 'public';
		const parents = new Set<string>();
		let selfReferencing = false;
		for (const fk of config.foreignKeys) {
			const parent = getTableConfig(fk.reference().foreignTable);
			const key = `${parent.schema ?? 'public'}.${parent.name}`;
			if (key !== `${tableSchema}.${config.name}`) parents.add(key);
			else selfReferencing = true;
		}
		found.push({
			name: config.name,
			schema: tableSchema,
			sqlName: `${quoteIdent(tableSchema)}.${quoteIdent(config.name)}`,
			parents: [...parents],
			selfReferencing
		});
	}
	const key = (t: AppTable) => `${t.schema}.${t.name}`;
	const byKey = new Map(found.map((t) => [key(t), t]));
	// Kahn's algorithm, stable: among tables that are ready, the first in export-name order (the
	// order of a module namespace), so the order only changes when the tables do.
	const ordered: AppTable[] = [];
	const placed = new Set<string>();
	while (ordered.length < found.length) {
		const next = found.find(
			(t) => !placed.has(key(t)) && t.parents.every((p) => placed.has(p) || !byKey.has(p))
		);
		if (!next) {
			const left = found.filter((t) => !placed.has(key(t))).map((t) => t.name);
			throw new Error(`The foreign keys of these tables form a cycle: ${left.join(', ')}`);
		}
		placed.add(key(next));
		ordered.push(next);
	}
	return ordered.map((t) => ({
		...t,
		parents: t.parents.map((p) => byKey.get(p)?.name ?? p)
	}));
}

// ---------------------------------------------------------------------------------------------
// Database helpers (raw SQL: both drivers, exact text values)

async function rows<T>(db: Db, query: SQL): Promise<T[]> {
	const result = (await db.execute(query)) as unknown;
	// postgres.js returns the rows as an array, PGlite a result object with `rows`.
	return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** The session settings under which text output is unambiguous and read back exactly. */
async function setTextSettings(tx: Db): Promise<void> {
	await tx.execute(sql.raw(`set local timezone to 'UTC'`));
	await tx.execute(sql.raw(`set local datestyle to 'ISO, YMD'`));
	await tx.execute(sql.raw(`set local intervalstyle to 'postgres'`));
	await tx.execute(sql.raw(`set local extra_float_digits to 3`));
	await tx.execute(sql.raw(`set local bytea_output to 'hex'`));
}

interface CatalogColumn {
	name: string;
	type: string;
	/** '' or 'a' (generated always as identity) or 'd' (by default). */
	identity: string;
	/** A serial or identity column's sequence, else null. */
	sequence: string | null;
}

async function tableColumns(db: Db, table: AppTable): Promise<CatalogColumn[] | null> {
	const [exists] = await rows<{ oid: string | null }>(
		db,
		sql`select to_regclass(${table.sqlName})::text as oid`
	);
	if (!exists?.oid) return null;
	// Generated (computed) columns are left out: PostgreSQL computes them again on insert.
	return rows<CatalogColumn>(
		db,
		sql`select a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
			a.attidentity::text as identity,
			pg_get_serial_sequence(${table.sqlName}, a.attname) as sequence
		from pg_attribute a
		where a.attrelid = to_regclass(${table.sqlName}) and a.attnum > 0 and not a.attisdropped
			and a.attgenerated = ''
		order by a.attnum`
	);
}

async function primaryKey(db: Db, table: AppTable): Promise<string[]> {
	const pk = await rows<{ name: string }>(
		db,
		sql`select a.attname as name
		from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
		where i.indrelid = to_regclass(${table.sqlName}) and i.indisprimary
		order by array_position(i.indkey::int2[], a.attnum)`
	);
	return pk.map((c) => c.name);
}

async function requireColumns(db: Db, table: AppTable): Promise<CatalogColumn[]> {
	const columns = await tableColumns(db, table);
	if (!columns)
		throw new ConflictError(
			`The database has no table "${table.name}": it is not migrated (run \`npm run cli -- migrate\`), or it is not a blindeval database.`
		);
	return columns;
}

async function appliedMigrations(db: Db, migrationsDir: string): Promise<BackupMigration[]> {
	const [table] = await rows<{ t: string | null }>(
		db,
		sql`select to_regclass('drizzle.__drizzle_migrations')::text as t`
	);
	if (!table?.t) return [];
	const applied = await rows<{ hash: string; created_at: string | number }>(
		db,
		sql`select hash, created_at from drizzle.__drizzle_migrations order by id`
	);
	const tags = migrationTags(migrationsDir);
	return applied.map((m) => ({
		tag: tags.get(m.hash) ?? null,
		hash: m.hash,
		createdAt: Number(m.created_at)
	}));
}

/** hash → tag of the migration files in the folder (none when the folder cannot be read). */
function migrationTags(migrationsDir: string): Map<string, string> {
	try {
		const journal = JSON.parse(
			fs.readFileSync(path.join(migrationsDir, 'meta', '_journal.json'), 'utf8')
		) as { entries: { tag: string }[] };
		const files = readMigrationFiles({ migrationsFolder: migrationsDir });
		return new Map(files.map((f, i) => [f.hash, journal.entries[i]!.tag]));
	} catch {
		return new Map();
	}
}

function migrationName(m: BackupMigration | undefined): string {
	if (!m) return 'none';
	return m.tag ?? `a migration with hash ${m.hash.slice(0, 12)}…`;
}

function defaultMigrationsDir(): string {
	return path.resolve(process.env.BLINDEVAL_MIGRATIONS_DIR ?? 'drizzle');
}

// ---------------------------------------------------------------------------------------------
// Backup

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
				await setTextSettings(tx);
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
				// PostgreSQL streams each table with one COPY; PGlite, whose COPY fills a Blob, reads
				// through a cursor in batches (flat memory there too).
				const copy = rawClient(tx).kind === 'postgres';
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
						if (copy)
							for await (const chunk of copyOut(tx, [await rowQuery(tx, t, cols)], ROW_LINES)) {
								n += countLines(chunk);
								hash.update(chunk);
								yield chunk;
							}
						else
							for await (const batch of tableRows(tx, t, cols)) {
								n += batch.length;
								yield emit(batch.join('\n') + '\n');
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

/** Refuses a backup that would silently miss a table the schema module does not know. */
async function checkNoOtherTables(db: Db, tables: AppTable[]): Promise<void> {
	const known = new Set(tables.map((t) => `${t.schema}.${t.name}`));
	const schemas = [...new Set(tables.map((t) => t.schema))];
	const present = await rows<{ schema: string; name: string }>(
		db,
		sql`select schemaname as schema, tablename as name from pg_tables
		where schemaname in (${sql.join(
			schemas.map((s) => sql`${s}`),
			sql`, `
		)})`
	);
	const unknown = present.filter((p) => !known.has(`${p.schema}.${p.name}`));
	if (unknown.length)
		throw new ConflictError(
			`The database holds tables the app does not know (${unknown.map((u) => u.name).join(', ')}); a backup would leave them out. Is this the right database, and this blindeval version the one that uses it?`
		);
}

/** The query giving each row of a table as one JSON array of text values, primary-key order. */
async function rowQuery(tx: Db, table: AppTable, columns: CatalogColumn[]): Promise<string> {
	const pk = await primaryKey(tx, table);
	const values = columns.map((c) => `${quoteIdent(c.name)}::text`).join(', ');
	const order = pk.length ? ` order by ${pk.map(quoteIdent).join(', ')}` : '';
	return `select array_to_json(array[${values}]::text[])::text as r from ${table.sqlName}${order}`;
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

/** The rows of one table as JSON arrays of text values, primary-key order, in batches. */
async function* tableRows(
	tx: Db,
	table: AppTable,
	columns: CatalogColumn[]
): AsyncGenerator<string[]> {
	const cursor = 'blindeval_backup';
	await tx.execute(
		sql.raw(`declare ${cursor} no scroll cursor for ${await rowQuery(tx, table, columns)}`)
	);
	try {
		for (;;) {
			const batch = await rows<{ r: string }>(
				tx,
				sql.raw(`fetch forward ${FETCH_ROWS} from ${cursor}`)
			);
			if (batch.length) yield batch.map((b) => b.r);
			if (batch.length < FETCH_ROWS) break;
		}
	} finally {
		await tx.execute(sql.raw(`close ${cursor}`));
	}
}

// ---------------------------------------------------------------------------------------------
// Reading a backup file

interface Line {
	text: string;
	/** 1-based. */
	number: number;
}

function fileIssue(file: string, line: number | undefined, message: string): ValidationError {
	const issue: Issue = { file, message };
	if (line !== undefined) issue.line = line;
	return new ValidationError([issue], 'The backup cannot be restored');
}

/** The file's lines, gunzipped when the file is gzip (a gunzipped copy reads the same). */
async function* readLines(file: string): AsyncGenerator<Line> {
	let fd: number;
	try {
		fd = fs.openSync(file, 'r');
	} catch (e) {
		const code = (e as NodeJS.ErrnoException).code;
		const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code;
		throw fileIssue(file, undefined, `cannot be read (${why})`);
	}
	const magic = Buffer.alloc(2);
	const got = fs.readSync(fd, magic, 0, 2, 0);
	const input = fs.createReadStream('', { fd, start: 0 });
	const gzip = got === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
	const stream = gzip ? input.pipe(zlib.createGunzip()) : input;
	if (gzip) input.on('error', (e) => stream.destroy(e));
	const decoder = new TextDecoder('utf-8', { fatal: true });
	let pending = '';
	let number = 0;
	try {
		for await (const chunk of stream as AsyncIterable<Buffer>) {
			let text: string;
			try {
				text = decoder.decode(chunk, { stream: true });
			} catch {
				throw fileIssue(file, number + 1, 'is not valid UTF-8 text (the file is damaged)');
			}
			pending += text;
			if (pending.length > MAX_LINE_CHARS && pending.indexOf('\n') < 0)
				throw fileIssue(file, number + 1, 'is too long: the file is damaged or not a backup');
			let start = 0;
			for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n', start)) {
				yield { text: pending.slice(start, nl), number: ++number };
				start = nl + 1;
			}
			pending = pending.slice(start);
		}
		try {
			pending += decoder.decode();
		} catch {
			throw fileIssue(file, number + 1, 'is not valid UTF-8 text (the file is damaged)');
		}
	} catch (e) {
		if (e instanceof ValidationError) throw e;
		throw fileIssue(
			file,
			number + 1,
			gzip
				? `the compressed data is damaged or cut short after line ${number} (${(e as Error).message})`
				: `cannot be read (${(e as Error).message})`
		);
	} finally {
		input.destroy();
		stream.destroy();
	}
	if (pending !== '') yield { text: pending, number: ++number };
}

function parseJson(file: string, line: Line): unknown {
	try {
		return JSON.parse(line.text);
	} catch {
		throw fileIssue(
			file,
			line.number,
			line.text.trim() === '' ? 'is empty' : 'is not valid JSON (the file is damaged)'
		);
	}
}

function isRecord(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseHeader(file: string, line: Line | undefined): BackupHeader {
	if (!line) throw fileIssue(file, undefined, 'is empty');
	let h: unknown;
	try {
		h = JSON.parse(line.text);
	} catch {
		h = undefined;
	}
	if (!isRecord(h) || h.format !== BACKUP_FORMAT)
		throw fileIssue(file, 1, `holds no "${BACKUP_FORMAT}" header: this is not a blindeval backup`);
	if (h.version !== BACKUP_FORMAT_VERSION)
		throw fileIssue(
			file,
			1,
			`has backup format version ${String(h.version)}; this blindeval (${pkg.version}) reads version ${BACKUP_FORMAT_VERSION}`
		);
	const migrationsOk =
		Array.isArray(h.migrations) &&
		h.migrations.every((m) => isRecord(m) && typeof m.hash === 'string');
	const tablesOk = Array.isArray(h.tables) && h.tables.every((t) => typeof t === 'string');
	if (!migrationsOk || !tablesOk || !isRecord(h.app) || typeof h.createdAt !== 'string')
		throw fileIssue(file, 1, 'has a damaged header');
	return h as unknown as BackupHeader;
}

/** Reads and checks the first line only: what `restore` looks at before it opens a database. */
export async function readBackupHeader(file: string): Promise<BackupHeader> {
	const lines = readLines(file);
	try {
		const first = await lines.next();
		return parseHeader(file, first.done ? undefined : first.value);
	} finally {
		await lines.return(undefined);
	}
}

// ---------------------------------------------------------------------------------------------
// Restore

/**
 * Restores `file` into `db`, which must be migrated to exactly the migrations the file was
 * written at, and empty (or `force`: emptied first). One transaction: on any problem nothing
 * is written. Sequences continue after the restored rows; the restore is audited last.
 */
export async function restoreBackup(
	db: Db,
	file: string,
	opts: RestoreOptions = {}
): Promise<RestoreSummary> {
	const tables = appTables();
	const byName = new Map(tables.map((t) => [t.name, t]));
	const migrationsDir = opts.migrationsDir ?? defaultMigrationsDir();
	const lines = readLines(file);
	try {
		const first = await lines.next();
		const header = parseHeader(file, first.done ? undefined : first.value);
		return await db.transaction(async (tx) => {
			await setTextSettings(tx);
			const target = new Map<string, CatalogColumn[]>();
			for (const t of tables) target.set(t.name, await requireColumns(tx, t));
			await checkMigrations(tx, header, migrationsDir);
			await tx.execute(
				sql.raw(`lock table ${tables.map((t) => t.sqlName).join(', ')} in access exclusive mode`)
			);
			const filled: string[] = [];
			for (const t of tables) {
				const [r] = await rows<{ any: boolean }>(
					tx,
					sql.raw(`select exists (select 1 from ${t.sqlName}) as any`)
				);
				if (r?.any) filled.push(t.name);
			}
			if (filled.length && !opts.force)
				throw new ConflictError(
					`The database is not empty (data in ${filled.join(', ')}): restore into an empty database, or add --force to replace everything in it with the backup.`
				);
			if (filled.length)
				await tx.execute(sql.raw(`truncate table ${tables.map((t) => t.sqlName).join(', ')}`));

			const hash = createHash('sha256');
			hash.update(first.done ? '' : first.value.text + '\n');
			const counts: TableCount[] = [];
			const done = new Set<string>();
			let current: {
				table: AppTable;
				insert: CopyInserter;
				rows: number;
				start: number;
			} | null = null;
			let end: Record<string, unknown> | null = null;
			let endLine = 0;

			let lastLine = 1;
			for await (const line of lines) {
				lastLine = line.number;
				if (end) {
					if (line.text.trim() === '') continue;
					throw fileIssue(file, line.number, 'follows the end line (the file is damaged)');
				}
				if (line.text.startsWith('[')) {
					if (!current)
						throw fileIssue(file, line.number, 'is a row outside any table (the file is damaged)');
					const row = parseJson(file, line);
					const n = current.insert.width;
					if (
						!Array.isArray(row) ||
						row.length !== n ||
						!row.every((v) => v === null || typeof v === 'string')
					)
						throw fileIssue(
							file,
							line.number,
							`is not a row of table ${current.table.name} (${n} text or null values)`
						);
					hash.update(line.text + '\n');
					await current.insert.add(line, row as (string | null)[]);
					current.rows++;
					continue;
				}
				const control = parseJson(file, line);
				if (!isRecord(control))
					throw fileIssue(file, line.number, 'is not valid here (the file is damaged)');
				if (typeof control.table === 'string') {
					if (current)
						throw fileIssue(
							file,
							line.number,
							`starts table ${control.table} before table ${current.table.name} has ended (the file is damaged)`
						);
					const table = byName.get(control.table);
					if (!table)
						throw fileIssue(
							file,
							line.number,
							`holds table "${control.table}", which this database does not have`
						);
					if (done.has(table.name))
						throw fileIssue(file, line.number, `holds table ${table.name} a second time`);
					const missing = table.parents.filter((p) => byName.has(p) && !done.has(p));
					if (missing.length)
						throw fileIssue(
							file,
							line.number,
							`holds table ${table.name} before ${missing.join(', ')}, which it references`
						);
					const columns = checkColumns(file, line, control.columns, target.get(table.name)!);
					hash.update(line.text + '\n');
					current = {
						table,
						insert: new CopyInserter(tx, file, table, columns),
						rows: 0,
						start: line.number
					};
					continue;
				}
				if (typeof control.tableEnd === 'string') {
					if (!current || control.tableEnd !== current.table.name)
						throw fileIssue(file, line.number, 'ends a table that was not started');
					if (control.rows !== current.rows)
						throw fileIssue(
							file,
							line.number,
							`says table ${current.table.name} has ${String(control.rows)} rows, but lines ${current.start + 1}–${line.number - 1} hold ${current.rows}`
						);
					await current.insert.flush();
					hash.update(line.text + '\n');
					counts.push({ table: current.table.name, rows: current.rows });
					done.add(current.table.name);
					current = null;
					continue;
				}
				if (control.end === true) {
					if (current)
						throw fileIssue(
							file,
							line.number,
							`ends the file inside table ${current.table.name} (the file is damaged)`
						);
					end = control;
					endLine = line.number;
					continue;
				}
				throw fileIssue(file, line.number, 'is not valid here (the file is damaged)');
			}
			const total = counts.reduce((s, c) => s + c.rows, 0);
			if (!end)
				throw fileIssue(
					file,
					lastLine,
					`the file ends here without its end line${current ? `, inside table ${current.table.name}` : ''}: it is cut short (an interrupted copy?)`
				);
			if (end.sha256 !== hash.digest('hex'))
				throw fileIssue(
					file,
					endLine,
					'the checksum does not match the content: the file was changed or damaged'
				);
			if (end.tables !== counts.length || end.rows !== total)
				throw fileIssue(file, endLine, 'the counts do not match the content (the file is damaged)');
			const absent = tables.filter((t) => !done.has(t.name)).map((t) => t.name);
			if (absent.length) throw fileIssue(file, undefined, `holds no table ${absent.join(', ')}`);

			// Serial and identity columns continue after the restored rows.
			for (const t of tables)
				for (const c of target.get(t.name)!)
					if (c.sequence)
						await tx.execute(
							sql.raw(
								`select setval(${sqlString(c.sequence)}, coalesce((select max(${quoteIdent(c.name)}) from ${t.sqlName}), 0) + 1, false)`
							)
						);
			await audit.record(tx, opts.actor ?? CLI, {
				action: 'database.restore',
				entity: 'database',
				after: {
					file: path.basename(file),
					backupCreatedAt: header.createdAt,
					backupApp: header.app,
					backupServer: header.server,
					replacedData: filled.length > 0,
					rows: Object.fromEntries(counts.map((c) => [c.table, c.rows]))
				}
			});
			return { file, header, tables: counts, rows: total };
		});
	} finally {
		await lines.return(undefined);
	}
}

function sqlString(s: string): string {
	return `'${s.replace(/'/g, "''")}'`;
}

async function checkMigrations(db: Db, header: BackupHeader, migrationsDir: string): Promise<void> {
	const here = await appliedMigrations(db, migrationsDir);
	const there = header.migrations;
	const same = here.length === there.length && here.every((m, i) => m.hash === there[i]!.hash);
	if (same) return;
	const i = here.findIndex((m, k) => there[k]?.hash !== m.hash);
	const firstDiff = i === -1 ? Math.min(here.length, there.length) : i;
	throw new ConflictError(
		`The backup was written at another database version: the backup has ${there.length} migration(s), up to ${migrationName(there.at(-1))}; this database has ${here.length}, up to ${migrationName(here.at(-1))} (they differ from migration ${firstDiff + 1}: ${migrationName(there[firstDiff])} in the backup, ${migrationName(here[firstDiff])} here). Restore with blindeval ${header.app?.version ?? '(unknown)'}, which wrote it, into a new database; then start the newer version, which migrates it.`
	);
}

function checkColumns(
	file: string,
	line: Line,
	given: unknown,
	target: CatalogColumn[]
): CatalogColumn[] {
	if (
		!Array.isArray(given) ||
		!given.every((c) => isRecord(c) && typeof c.name === 'string' && typeof c.type === 'string')
	)
		throw fileIssue(file, line.number, 'has a damaged column list');
	const cols = given as BackupColumn[];
	const byName = new Map(target.map((c) => [c.name, c]));
	const differ =
		cols.length !== target.length ||
		cols.some((c) => byName.get(c.name)?.type !== c.type) ||
		new Set(cols.map((c) => c.name)).size !== cols.length;
	if (differ) {
		const show = (cs: { name: string; type: string }[]) =>
			cs.map((c) => `${c.name} ${c.type}`).join(', ');
		throw fileIssue(
			file,
			line.number,
			`has other columns than this database's table: file (${show(cols)}), database (${show(target)})`
		);
	}
	return cols.map((c) => byName.get(c.name)!);
}

/**
 * Writes rows with COPY … FROM STDIN (text format) in batches of about COPY_BYTES, each in a
 * savepoint. A failing batch is named by the line COPY reports; when it reports none (a foreign
 * key, checked at the end of the statement) the batch is inserted again row by row to find it.
 * A table that references itself is sent in one batch, so a row may point to a later one.
 */
class CopyInserter {
	private lines: Line[] = [];
	private data: string[] = [];
	private bytes = 0;
	readonly width: number;
	private readonly target: string;
	private readonly limit: number;

	constructor(
		private readonly tx: Db,
		private readonly file: string,
		private readonly table: AppTable,
		private readonly columns: CatalogColumn[]
	) {
		this.width = columns.length;
		this.target = `${table.sqlName} (${columns.map((c) => quoteIdent(c.name)).join(', ')})`;
		this.limit = table.selfReferencing ? Infinity : COPY_BYTES;
	}

	async add(line: Line, row: (string | null)[]): Promise<void> {
		this.lines.push(line);
		const text = copyRow(row);
		this.data.push(text);
		this.bytes += text.length;
		if (this.bytes >= this.limit) await this.flush();
	}

	async flush(): Promise<void> {
		const lines = this.lines;
		const data = this.data;
		this.lines = [];
		this.data = [];
		this.bytes = 0;
		if (!lines.length) return;
		try {
			await this.tx.transaction((sp) => copyIn(sp, this.target, data.join('\n') + '\n'));
		} catch (e) {
			const where = /\bline (\d+)\b/.exec(String((e as { where?: unknown }).where ?? ''));
			const at = where ? lines[Number(where[1]) - 1] : undefined;
			if (at) throw rowError(this.file, this.table, at, e);
			// No line named: find it row by row, as the INSERT path did.
			const insert = new Inserter(this.tx, this.file, this.table, this.columns);
			for (const line of lines) await insert.add(line);
			await insert.flush();
			throw rowError(this.file, this.table, lines[0]!, e);
		}
	}
}

function rowError(file: string, table: AppTable, line: Line, e: unknown): ValidationError {
	const cause = (e as { cause?: unknown }).cause ?? e;
	const message = cause instanceof Error ? cause.message : String(cause);
	return fileIssue(file, line.number, `cannot be restored into table ${table.name}: ${message}`);
}

/** Inserts rows in batches; a failing batch is retried row by row to name the failing line. */
class Inserter {
	private batch: Line[] = [];
	private bytes = 0;
	readonly width: number;
	private readonly prefix: string;

	constructor(
		private readonly tx: Db,
		private readonly file: string,
		private readonly table: AppTable,
		columns: CatalogColumn[]
	) {
		this.width = columns.length;
		const names = columns.map((c) => quoteIdent(c.name)).join(', ');
		const values = columns.map((c, i) => `(e.r->>${i})::${c.type}`).join(', ');
		const overriding = columns.some((c) => c.identity === 'a') ? ' overriding system value' : '';
		this.prefix = `insert into ${table.sqlName} (${names})${overriding} select ${values} from jsonb_array_elements(`;
	}

	async add(line: Line): Promise<void> {
		this.batch.push(line);
		this.bytes += line.text.length;
		if (this.batch.length >= INSERT_ROWS || this.bytes >= INSERT_BYTES) await this.flush();
	}

	async flush(): Promise<void> {
		const batch = this.batch;
		this.batch = [];
		this.bytes = 0;
		if (!batch.length) return;
		try {
			await this.tx.transaction((sp) => this.insert(sp, batch));
		} catch (e) {
			if (batch.length > 1)
				for (const line of batch) {
					try {
						await this.tx.transaction((sp) => this.insert(sp, [line]));
					} catch (e1) {
						throw this.rowError(line, e1);
					}
				}
			throw this.rowError(batch[0]!, e);
		}
	}

	private async insert(db: Db, batch: Line[]): Promise<void> {
		const payload = `[${batch.map((l) => l.text).join(',')}]`;
		await db.execute(sql`${sql.raw(this.prefix)}${payload}::text::jsonb) as e(r)`);
	}

	private rowError(line: Line, e: unknown): ValidationError {
		const cause = (e as { cause?: unknown }).cause ?? e;
		const message = cause instanceof Error ? cause.message : String(cause);
		return fileIssue(
			this.file,
			line.number,
			`cannot be restored into table ${this.table.name}: ${message}`
		);
	}
}
