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
	/**
	 * Folders checkpoint manifests (and their weights) may be read from, besides a study's own
	 * folder: BLINDEVAL_MODELS_DIR, one folder or several separated by ":" (default models/).
	 */
	modelsDirs: string[];
	/**
	 * Folders that may hold model weights (.gguf) only, e.g. on another disk:
	 * BLINDEVAL_WEIGHTS_DIR, one or several separated by ":" (default none).
	 */
	weightsDirs: string[];
	/** Largest study files read (bytes); see studyFileLimits. */
	limits: StudyFileLimits;
}

export interface StudyFileLimits {
	/** A cases file (.jsonl or .csv): BLINDEVAL_MAX_CASES_SIZE. */
	cases: number;
	/** One outputs file (.jsonl): BLINDEVAL_MAX_OUTPUTS_SIZE. */
	outputs: number;
	/** study.yaml or a checkpoint manifest: BLINDEVAL_MAX_MANIFEST_SIZE. */
	manifest: number;
}

/** The setting behind each limit, named in the message that refuses a file. */
export const LIMIT_SETTINGS: Record<keyof StudyFileLimits, string> = {
	cases: 'BLINDEVAL_MAX_CASES_SIZE',
	outputs: 'BLINDEVAL_MAX_OUTPUTS_SIZE',
	manifest: 'BLINDEVAL_MAX_MANIFEST_SIZE'
};

// 10,000 cases of about 3 KB each (a long source record) fit the cases limit twice over, and
// 10,000 letters of about 6 KB the outputs limit; a manifest or study.yaml is a few KB. Parsed
// rows take a few times their file size in memory, which these keep to a few hundred MB.
const DEFAULT_LIMITS: StudyFileLimits = {
	cases: 64 * 1024 * 1024,
	outputs: 64 * 1024 * 1024,
	manifest: 1024 * 1024
};

/** "64MB", "512KB", "1GB" or a plain number of bytes. */
export function parseSize(text: string, setting: string): number {
	const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB)?\s*$/i.exec(text);
	const unit = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
	const bytes = m ? Math.floor(Number(m[1]) * unit[(m[2]?.toUpperCase() ?? 'B') as 'B']) : NaN;
	if (!(bytes > 0))
		throw new Error(`${setting} must be a size such as 64MB, 512KB or a number of bytes`);
	return bytes;
}

const folders = (value: string | undefined, fallback: string[]) =>
	(value ? value.split(path.delimiter).filter(Boolean) : fallback).map((d) => path.resolve(d));

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
	const port = env.PORT ?? '3000';
	const limit = (key: keyof StudyFileLimits) => {
		const value = env[LIMIT_SETTINGS[key]];
		return value ? parseSize(value, LIMIT_SETTINGS[key]) : DEFAULT_LIMITS[key];
	};
	return {
		databaseUrl: env.DATABASE_URL || undefined,
		dataDir: path.resolve(env.BLINDEVAL_DATA_DIR ?? '.data'),
		migrationsDir: path.resolve(env.BLINDEVAL_MIGRATIONS_DIR ?? 'drizzle'),
		publicUrl: (env.ORIGIN ?? `http://localhost:${port}`).replace(/\/$/, ''),
		modelsDirs: folders(env.BLINDEVAL_MODELS_DIR, ['models']),
		weightsDirs: folders(env.BLINDEVAL_WEIGHTS_DIR, []),
		limits: { cases: limit('cases'), outputs: limit('outputs'), manifest: limit('manifest') }
	};
}
