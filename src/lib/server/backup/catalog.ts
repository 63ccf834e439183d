/**
 * What backup and restore ask the database: the session settings for exact text values, each
 * table's columns and primary key from the catalog, and that no table is unknown to the app.
 * Raw SQL, so both drivers give the same text values.
 */
import { sql, type SQL } from 'drizzle-orm';
import { ConflictError } from '../../errors';
import type { Db } from '../db';
import type { AppTable } from './tables';

export async function rows<T>(db: Db, query: SQL): Promise<T[]> {
	const result = (await db.execute(query)) as unknown;
	// postgres.js returns the rows as an array, PGlite a result object with `rows`.
	return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** The session settings under which text output is unambiguous and read back exactly. */
export async function useExactText(tx: Db): Promise<void> {
	await tx.execute(sql.raw(`set local timezone to 'UTC'`));
	await tx.execute(sql.raw(`set local datestyle to 'ISO, YMD'`));
	await tx.execute(sql.raw(`set local intervalstyle to 'postgres'`));
	await tx.execute(sql.raw(`set local extra_float_digits to 3`));
	await tx.execute(sql.raw(`set local bytea_output to 'hex'`));
}

export interface CatalogColumn {
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

/** The table's primary-key columns, in key order (empty when it has none). */
export async function primaryKey(db: Db, table: AppTable): Promise<string[]> {
	const pk = await rows<{ name: string }>(
		db,
		sql`select a.attname as name
		from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
		where i.indrelid = to_regclass(${table.sqlName}) and i.indisprimary
		order by array_position(i.indkey::int2[], a.attnum)`
	);
	return pk.map((c) => c.name);
}

export async function requireColumns(db: Db, table: AppTable): Promise<CatalogColumn[]> {
	const columns = await tableColumns(db, table);
	if (!columns)
		throw new ConflictError(
			`The database has no table "${table.name}": it is not migrated (run \`npm run cli -- migrate\`), or it is not a blindeval database.`
		);
	return columns;
}

/** Refuses a backup that would silently miss a table the schema module does not know. */
export async function checkNoOtherTables(db: Db, tables: AppTable[]): Promise<void> {
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
