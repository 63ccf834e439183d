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
import { randomBytes } from 'node:crypto';
import postgres, { type Sql } from 'postgres';
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
	/** Opens the pool's connections now (PostgreSQL), not on the first requests that need them. */
	warm(): Promise<void>;
	close(): Promise<void>;
}

export interface OpenOptions {
	databaseUrl?: string;
	/** A folder, or 'memory://' for a throwaway database (tests). */
	dataDir?: string;
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
	if (opts.databaseUrl) {
		const pool = new RecoveringPool(opts.databaseUrl);
		const db = drizzlePostgres(pool.client, { schema, casing: 'snake_case' });
		return {
			db,
			kind: 'postgres',
			migrate: (migrationsFolder) => migratePostgres(db, { migrationsFolder }),
			warm: () => pool.warm(),
			close: () => pool.close()
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
			warm: async () => {},
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

/** Connections of the server's pool; a `max` in DATABASE_URL (`?max=30`) replaces it. */
const POOL_SIZE = 10;
/** How often the pool's running queries are looked at, and how long one may run unsuspected. */
const CHECK_EVERY_MS = 5_000;
const QUERY_PATIENCE_MS = 10_000;

/**
 * unsafe()'s options with `prepare: true` when the query has parameters (one without is sent
 * as a simple query, where preparing does not apply). postgres.js still prepares nothing when
 * the pool's own settings say so (`?prepare=false` in DATABASE_URL, e.g. behind a pooler).
 */
function prepared(args: unknown[] | undefined, options: object | undefined): object {
	return args?.length ? { ...options, prepare: true } : (options ?? {});
}

/** The parts of a postgres.js query this module wraps (postgres/src/query.js). */
interface QueryHooks {
	handler: ((q: unknown) => unknown) & { debug?: unknown };
	resolve: (x: unknown) => unknown;
	reject: (x: unknown) => unknown;
}

/**
 * A postgres.js pool that recovers by itself when it hangs. postgres.js 3.4.9 (and 3.4.10) can
 * leave queries waiting for ever after PostgreSQL restarted, when a connection being opened is
 * closed by the server during its start-up (porsager/postgres#1193, fix not released); a
 * half-open connection does the same. Only a new pool got the app answering again. So every
 * CHECK_EVERY_MS the queries sent through the pool and not yet answered are looked at. When one
 * has waited longer than QUERY_PATIENCE_MS while a fresh connection gets an answer at once and
 * shows none of the pool's connections running anything in the database, the pool is stuck: a
 * new pool takes its place and the old one is ended, failing its waiting queries (their
 * requests get a 5xx, and the rating page sends its saves again; saves are idempotent). A
 * slow query that runs in the database, or a database that is down (the pool reconnects by
 * itself once it is back), is never a reason to replace the pool.
 *
 * `client` forwards to the current pool, so drizzle and db/copy.ts keep one client throughout.
 */
export class RecoveringPool {
	readonly client: Sql;
	/** Pools replaced because they were stuck (for tests and the log). */
	replaced = 0;
	#current: Sql;
	readonly #appName = `blindeval ${process.pid} ${randomBytes(4).toString('hex')}`;
	/** Queries sent and not yet answered, with when they were sent. */
	readonly #running = new Map<object, number>();
	readonly #timer: NodeJS.Timeout;
	#checking = false;
	#closed = false;

	constructor(
		readonly url: string,
		readonly checkEveryMs = CHECK_EVERY_MS,
		readonly patienceMs = QUERY_PATIENCE_MS
	) {
		this.#current = this.#open();
		const current = () => this.#current as unknown as Record<PropertyKey, unknown>;
		this.client = new Proxy(function () {} as unknown as Sql, {
			apply: (_t, _this, args: unknown[]) =>
				this.#track((this.#current as unknown as (...a: unknown[]) => unknown)(...args)),
			get: (_t, key) => {
				const value = Reflect.get(current(), key);
				if (typeof value !== 'function') return value;
				// drizzle sends every query through unsafe() with `prepare: false`: unnamed, so
				// PostgreSQL parses and plans it each time and postgres.js first asks for its
				// description in a round trip of its own. Named (prepared once per connection) it
				// is one round trip, Bind and Execute, from the second time on (README: Load).
				if (key === 'unsafe')
					return (query: string, args?: unknown[], options?: object) =>
						this.#track(value(query, args, prepared(args, options)));
				if (key === 'file') return (...args: unknown[]) => this.#track(value(...args));
				// A transaction (drizzle's db.transaction) or a reserved connection: from the call
				// until it settles (a transaction waiting on its caller is 'idle in transaction').
				if (key === 'begin' || key === 'reserve')
					return (...args: unknown[]) => this.#trackPromise(value(...args) as Promise<unknown>);
				return value;
			},
			set: (_t, key, value) => Reflect.set(current(), key, value),
			has: (_t, key) => Reflect.has(current(), key)
		});
		this.#timer = setInterval(() => void this.#check(), checkEveryMs);
		this.#timer.unref();
	}

	/** Notes when a query is sent (postgres.js runs it lazily) and forgets it once answered. */
	#track<T>(query: T): T {
		const q = query as unknown as Partial<QueryHooks>;
		if (typeof q?.handler !== 'function' || typeof q.resolve !== 'function' || !q.reject)
			return query;
		const { handler, resolve, reject } = q as QueryHooks;
		const sent = (x: unknown) => {
			this.#running.set(q, Date.now());
			return handler(x);
		};
		sent.debug = handler.debug;
		q.handler = sent;
		// Deleting only its own entry: a query of a replaced pool is no longer in the map.
		q.resolve = (x) => (this.#running.delete(q), resolve(x));
		q.reject = (x) => (this.#running.delete(q), reject(x));
		return query;
	}

	#trackPromise<T>(promise: Promise<T>): Promise<T> {
		const token = {};
		this.#running.set(token, Date.now());
		const done = () => void this.#running.delete(token);
		promise.then(done, done);
		return promise;
	}

	async #check(): Promise<void> {
		if (this.#checking || this.#closed) return;
		const oldest = Math.min(...this.#running.values());
		if (!(Date.now() - oldest > this.patienceMs)) return;
		this.#checking = true;
		try {
			const pool = this.#current;
			if (await this.#stuck()) if (pool === this.#current) this.#replace();
		} finally {
			this.#checking = false;
		}
	}

	#open(): Sql {
		let settings = new URLSearchParams();
		try {
			settings = new URL(this.url).searchParams;
		} catch {
			// A URL that node's parser refuses (several hosts): postgres.js reads it itself.
		}
		const max = settings.has('max') ? {} : { max: POOL_SIZE };
		return postgres(this.url, {
			...max,
			onnotice: () => {},
			connection: { application_name: this.#appName }
		});
	}

	/** True when PostgreSQL answers a fresh connection and runs nothing for the pool. */
	async #stuck(): Promise<boolean> {
		const fresh = postgres(this.url, { max: 1, connect_timeout: 5, onnotice: () => {} });
		try {
			const [row] = await Promise.race([
				fresh<{ n: number }[]>`
					select count(*)::int as n from pg_stat_activity
					where application_name = ${this.#appName} and state <> 'idle'`,
				new Promise<never>((_, reject) =>
					setTimeout(() => reject(new Error('no answer')), 5_000).unref()
				)
			]);
			return row!.n === 0;
		} catch {
			return false; // PostgreSQL itself does not answer: the pool is waiting for it, not stuck
		} finally {
			void fresh.end({ timeout: 0 }).catch(() => {});
		}
	}

	#replace(): void {
		const old = this.#current;
		const next = this.#open();
		// What drizzle set on the first pool's parsers and serializers (drizzle-orm/postgres-js).
		Object.assign(next.options.parsers, old.options.parsers);
		Object.assign(next.options.serializers, old.options.serializers);
		this.#current = next;
		this.replaced++;
		console.error(
			`The database connection pool stopped answering while PostgreSQL answers; replaced it (${this.replaced}).`
		);
		// Ended at once: end() alone leaves the queries queued in the pool waiting for ever, and
		// only its timeout rejects them; then any of its tracked queries still unanswered.
		const waiting = [...this.#running.keys()];
		this.#running.clear(); // from here on, only the new pool's queries are watched
		void old
			.end({ timeout: 0 })
			.catch(() => {})
			.finally(() => {
				for (const q of waiting)
					(q as Partial<QueryHooks>).reject?.(new Error('The stuck connection pool was replaced'));
			});
	}

	/**
	 * As many queries at once as the pool has connections, so it opens them all: each costs a
	 * TCP connection, SCRAM authentication and postgres.js's type query, which the first saves
	 * of a rating day otherwise waited for (README: Load).
	 */
	async warm(): Promise<void> {
		const pool = this.#current;
		await Promise.all(Array.from({ length: pool.options.max }, () => pool`select 1`));
	}

	async close(): Promise<void> {
		this.#closed = true;
		clearInterval(this.#timer);
		await this.#current.end({ timeout: 5 });
	}
}
