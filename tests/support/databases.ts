/**
 * The integration suites run once per database: embedded PGlite (in memory) and a real
 * PostgreSQL 15 server (TEST_DATABASE_URL, started by tests/env/setup.sh). Each suite gets a
 * fresh database of its own. A missing TEST_DATABASE_URL fails the run: it never skips.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { openDatabase, type Database } from '../../src/lib/server/db';

export const MIGRATIONS = path.resolve('drizzle');

export interface TestDatabase {
	name: 'pglite' | 'postgres';
	/** A new, migrated, empty database; call close() when done. */
	create(): Promise<Database & { url?: string }>;
	/**
	 * A new database that child processes (the CLI) can use through `env`: a PGlite data folder
	 * or a PostgreSQL database. open() connects this process (one at a time for PGlite).
	 */
	createShared(): Promise<SharedDatabase>;
}

export interface SharedDatabase {
	env: Record<string, string>;
	open(): Promise<Database>;
	drop(): Promise<void>;
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
		},
		async createShared() {
			const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-pglite-'));
			return {
				env: { BLINDEVAL_DATA_DIR: dataDir },
				async open() {
					const database = await openDatabase({ dataDir });
					await database.migrate(MIGRATIONS);
					return database;
				},
				async drop() {
					fs.rmSync(dataDir, { recursive: true, force: true });
				}
			};
		}
	},
	{
		name: 'postgres',
		async create() {
			const shared = await createPostgresDatabase();
			const database = await shared.open();
			return {
				...database,
				url: shared.env.DATABASE_URL,
				close: async () => {
					await database.close();
					await shared.drop();
				}
			};
		},
		createShared: createPostgresDatabase
	}
];

async function adminQuery(query: string): Promise<void> {
	const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
	try {
		await admin.unsafe(query);
	} finally {
		await admin.end();
	}
}

async function createPostgresDatabase(): Promise<SharedDatabase> {
	const dbName = `blindeval_t_${randomBytes(6).toString('hex')}`;
	await adminQuery(`create database ${dbName}`);
	const url = new URL(adminUrl());
	url.pathname = `/${dbName}`;
	return {
		env: { DATABASE_URL: url.toString() },
		async open() {
			const database = await openDatabase({ databaseUrl: url.toString() });
			await database.migrate(MIGRATIONS);
			return database;
		},
		drop: () => adminQuery(`drop database if exists ${dbName} with (force)`)
	};
}
