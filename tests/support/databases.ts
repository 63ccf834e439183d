/**
 * The integration suites run once per database: embedded PGlite (in memory) and a real
 * PostgreSQL 15 server (TEST_DATABASE_URL, started by tests/env/setup.sh). Each suite gets a
 * fresh database of its own. A missing TEST_DATABASE_URL fails the run: it never skips.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import postgres from 'postgres';
import { openDatabase, type Database } from '../../src/lib/server/db';

export const MIGRATIONS = path.resolve('drizzle');

export interface TestDatabase {
	name: 'pglite' | 'postgres';
	/** A new, migrated, empty database; call close() when done. */
	create(): Promise<Database & { url?: string }>;
}

function adminUrl(): string {
	const url = process.env.TEST_DATABASE_URL;
	if (!url)
		throw new Error(
			'TEST_DATABASE_URL is not set: run the tests with `npm run test:all` (it starts PostgreSQL 15)'
		);
	return url;
}

export const TEST_DATABASES: TestDatabase[] = [
	{
		name: 'pglite',
		async create() {
			const database = await openDatabase({ dataDir: 'memory://' });
			await database.migrate(MIGRATIONS);
			return database;
		}
	},
	{
		name: 'postgres',
		async create() {
			const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
			const dbName = `blindeval_t_${randomBytes(6).toString('hex')}`;
			try {
				await admin.unsafe(`create database ${dbName}`);
			} finally {
				await admin.end();
			}
			const url = new URL(adminUrl());
			url.pathname = `/${dbName}`;
			const database = await openDatabase({ databaseUrl: url.toString() });
			await database.migrate(MIGRATIONS);
			return {
				...database,
				url: url.toString(),
				close: async () => {
					await database.close();
					const a = postgres(adminUrl(), { max: 1, onnotice: () => {} });
					try {
						await a.unsafe(`drop database if exists ${dbName} with (force)`);
					} finally {
						await a.end();
					}
				}
			};
		}
	}
];
