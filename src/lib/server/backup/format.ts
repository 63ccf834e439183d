/**
 * The backup file's format: gzip-compressed JSON Lines.
 *
 *   line 1    header: format, format version, app version, applied drizzle migrations, tables
 *   per table {"table": name, "columns": [{name, type}, …]}
 *             one JSON array per row, each value PostgreSQL's text form of the column (or null)
 *             {"tableEnd": name, "rows": n}
 *   last line {"end": true, "tables": n, "rows": n, "sha256": hex of every line before it}
 *
 * Values travel as PostgreSQL's own text output and are read back with casts to the column
 * types: timestamps keep their microseconds, `json` keeps its text (key order, spaces), `jsonb`,
 * bigint, real, booleans and nulls come back exactly. The format is described for users in
 * docs/backup.md. This module holds the format's names and types and the header's check.
 */
import pkg from '../../../../package.json' with { type: 'json' };
import { ValidationError, type Issue } from '../../errors';
import type { Actor } from '../auth/actors';

export const BACKUP_FORMAT = 'blindeval-backup';
export const BACKUP_FORMAT_VERSION = 1;

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
	/** Rows per COPY statement on PGlite (default 5,000); tests use small pages. */
	pageRows?: number;
}

export interface RestoreOptions {
	/** Empty a database that holds data first (in the same transaction). */
	force?: boolean;
	/** Who restores, for the audit log (default the CLI). */
	actor?: Actor;
	migrationsDir?: string;
}

/** One line of a backup file. */
export interface Line {
	text: string;
	/** 1-based. */
	number: number;
}

/** The error for a problem in the backup file, naming the file and the line when there is one. */
export function fileIssue(
	file: string,
	line: number | undefined,
	message: string
): ValidationError {
	const issue: Issue = { file, message };
	if (line !== undefined) issue.line = line;
	return new ValidationError([issue], 'The backup cannot be restored');
}

export function isRecord(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseJson(file: string, line: Line): unknown {
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

/** The first line of a backup, checked to be a header this version reads. */
export function parseHeader(file: string, line: Line | undefined): BackupHeader {
	if (!line) throw fileIssue(file, undefined, 'is empty');
	let h: unknown;
	try {
		h = JSON.parse(line.text);
	} catch {
		// Not JSON at all: the check below reports it as not a backup.
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
