/**
 * The web app's database: opened and migrated once at server start-up (hooks.server.ts init),
 * closed on shutdown so adapter-node can exit and PostgreSQL is not left with idle connections.
 */
import { readConfig } from './config';
import { openDatabase, type Database, type Db } from './db';

let database: Database | undefined;

export async function startDatabase(): Promise<Database> {
	if (database) return database;
	const config = readConfig();
	const opened = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
	await opened.migrate(config.migrationsDir);
	database = opened;
	return opened;
}

export function db(): Db {
	if (!database) throw new Error('The database is not open yet (startDatabase runs at start-up)');
	return database.db;
}

export async function stopDatabase(): Promise<void> {
	const d = database;
	database = undefined;
	await d?.close();
}
