/** Shared by the benchmarks: the database they run on, and time and peak RSS of one step. */
import path from 'node:path';
import { openDatabase } from '../../src/lib/server/db';

/** Embedded PGlite in memory, or PostgreSQL when DATABASE_URL is set; migrated. */
export async function openBenchDatabase() {
	const database = await openDatabase(
		process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : { dataDir: 'memory://' }
	);
	await database.migrate(path.resolve('drizzle'));
	return database;
}

/** Runs `fn`, sampling the process's RSS every 20 ms: its result, seconds, RSS before and peak. */
export async function measure<T>(fn: () => Promise<T>) {
	const before = process.memoryUsage().rss;
	let peak = before;
	const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
	const started = performance.now();
	const result = await fn();
	clearInterval(timer);
	peak = Math.max(peak, process.memoryUsage().rss);
	return { result, seconds: (performance.now() - started) / 1000, before, peak };
}

export const mb = (x: number) => `${(x / 2 ** 20).toFixed(0)} MB`;
