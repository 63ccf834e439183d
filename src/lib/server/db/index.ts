/**
 * The one client factory: PostgreSQL through postgres.js when DATABASE_URL is set, embedded
 * PGlite in a data folder otherwise. Both speak the same drizzle API (PgDatabase), and the same
 * migration folder applies to both.
 */
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { acquireDataDirLock } from './lock';
import * as schema from './schema';

export type Schema = typeof schema;
/** A database or a transaction: every repository function takes one of these first. */
export type Db = PgDatabase<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

export interface Database {
	db: Db;
	kind: 'pglite' | 'postgres';
	/** Applies pending drizzle-kit migrations; a no-op when up to date. */
	migrate(migrationsFolder: string): Promise<void>;
	close(): Promise<void>;
}

export interface OpenOptions {
	databaseUrl?: string;
	/** A folder, or 'memory://' for a throwaway database (tests). */
	dataDir?: string;
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
	if (opts.databaseUrl) {
		const client = postgres(opts.databaseUrl, { max: 10, onnotice: () => {} });
		const db = drizzlePostgres(client, { schema, casing: 'snake_case' });
		return {
			db,
			kind: 'postgres',
			migrate: (migrationsFolder) => migratePostgres(db, { migrationsFolder }),
			close: () => client.end({ timeout: 5 })
		};
	}
	const dataDir = opts.dataDir ?? '.data';
	const memory = dataDir.startsWith('memory://');
	// PGlite is single-process: a second process on the same folder would corrupt it.
	const release = memory ? () => {} : acquireDataDirLock(dataDir);
	try {
		const client = await PGlite.create(dataDir);
		const db = drizzlePglite(client, { schema, casing: 'snake_case' });
		return {
			db,
			kind: 'pglite',
			migrate: (migrationsFolder) => migratePglite(db, { migrationsFolder }),
			close: async () => {
				try {
					await client.close();
				} finally {
					release();
				}
			}
		};
	} catch (e) {
		release();
		throw e;
	}
}
