/**
 * Settings from the environment, read in one place so the web app and the CLI agree. Plain
 * process.env (not $env) because the CLI runs outside SvelteKit.
 */
import path from 'node:path';

export interface Config {
	/** postgres://… to use PostgreSQL; unset to use embedded PGlite. */
	databaseUrl: string | undefined;
	/** PGlite data folder (ignored with databaseUrl). */
	dataDir: string;
	/** drizzle-kit's migration folder. */
	migrationsDir: string;
	/** Base URL printed in rater links (the server's ORIGIN when set). */
	publicUrl: string;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
	const port = env.PORT ?? '3000';
	return {
		databaseUrl: env.DATABASE_URL || undefined,
		dataDir: path.resolve(env.BLINDEVAL_DATA_DIR ?? '.data'),
		migrationsDir: path.resolve(env.BLINDEVAL_MIGRATIONS_DIR ?? 'drizzle'),
		publicUrl: (env.ORIGIN ?? `http://localhost:${port}`).replace(/\/$/, '')
	};
}
