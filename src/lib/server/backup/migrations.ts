/**
 * The drizzle migrations a database has applied, named by the migration files of this version,
 * so that a backup says which database version it was written at and a restore refuses a
 * database at another one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { ConflictError, ValidationError } from '../../errors';
import type { Db } from '../db';
import { rows } from './catalog';
import type { BackupHeader, BackupMigration } from './format';

export function defaultMigrationsDir(): string {
	return path.resolve(process.env.BLINDEVAL_MIGRATIONS_DIR ?? 'drizzle');
}

export async function appliedMigrations(db: Db, migrationsDir: string): Promise<BackupMigration[]> {
	const [table] = await rows<{ t: string | null }>(
		db,
		sql`select to_regclass('drizzle.__drizzle_migrations')::text as t`
	);
	// A database never migrated has applied none (restore then refuses it by its tables).
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

function journalError(file: string, message: string): ValidationError {
	return new ValidationError(
		[{ file, message }],
		'The migration journal cannot be read (is BLINDEVAL_MIGRATIONS_DIR the drizzle folder of this version?)'
	);
}

/**
 * hash → tag of the migration files in the folder. The app migrated its database from this
 * folder when it started, so a missing or damaged journal or migration file is an error that
 * names it, not an unnamed backup.
 */
export function migrationTags(migrationsDir: string): Map<string, string> {
	const file = path.join(migrationsDir, 'meta', '_journal.json');
	let text: string;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch (e) {
		const code = (e as NodeJS.ErrnoException).code;
		throw journalError(file, code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`);
	}
	let journal: unknown;
	try {
		journal = JSON.parse(text);
	} catch {
		throw journalError(file, 'is not valid JSON');
	}
	const entries = (journal as { entries?: unknown } | null)?.entries;
	if (
		!Array.isArray(entries) ||
		!entries.every((e) => typeof (e as { tag?: unknown } | null)?.tag === 'string')
	)
		throw journalError(file, 'has no list of entries with a tag each');
	let files: { hash: string }[];
	try {
		files = readMigrationFiles({ migrationsFolder: migrationsDir });
	} catch (e) {
		// drizzle names the missing .sql file in its message.
		throw journalError(file, `lists a migration that cannot be read: ${(e as Error).message}`);
	}
	return new Map(files.map((f, i) => [f.hash, (entries[i] as { tag: string }).tag]));
}

function migrationName(m: BackupMigration | undefined): string {
	if (!m) return 'none';
	return m.tag ?? `a migration with hash ${m.hash.slice(0, 12)}…`;
}

/** Refuses a database whose applied migrations are not exactly those the backup was written at. */
export async function checkMigrations(
	db: Db,
	header: BackupHeader,
	migrationsDir: string
): Promise<void> {
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
