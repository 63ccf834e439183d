/**
 * One fault scenario of a rating day, shared by the fault tests (small) and the load benchmark's
 * --faults mode (large): raters save through the production server while the server is killed
 * with SIGKILL and restarted, or PostgreSQL is restarted as after a crash; then the database is
 * checked against every acknowledged save (rating-day.ts verify).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../../src/lib/server/db';
import { AppServer, ensureBuild } from './app-server';
import { TEST_DATABASES, type SharedDatabase } from './databases';
import { LoadClient } from './load-client';
import { PgCluster } from './pg-cluster';
import { driveRaters, planSaves, prepareRatingDay, verify, type Verdict } from './rating-day';

export interface FaultOptions {
	database: 'pglite' | 'postgres';
	fault: 'server-kill' | 'postgres-restart';
	raters: number;
	/** Letters per rater (of 28); all when unset. */
	letters?: number;
	connections: number;
	/** Shares of the planned saves after which the fault strikes, e.g. [0.3, 0.6]. */
	at: number[];
	/** Also kill the server with SIGKILL right after the last acknowledged save, then start it again. */
	killAtEnd?: boolean;
	port: number;
	/** For postgres-restart: the port of the tests' own cluster. */
	clusterPort?: number;
	/** Pause before a save is sent again (the page waits 2 s; shorter keeps runs short). */
	retryMs?: number;
}

export interface FaultResult extends Verdict {
	planned: number;
	faults: number;
	/** App servers killed and started again because they stopped answering (see faultRun). */
	appRestarts: number;
	/** Requests that got no answer or a 5xx, each sent again. */
	retried: number;
	seconds: number;
}

const MIGRATIONS = path.resolve('drizzle');
/** No save acknowledged for this long after a PostgreSQL restart: the app's pool is stuck. */
const STALL_MS = 20_000;

interface Target {
	env: Record<string, string>;
	open(): Promise<Database>;
	cluster?: PgCluster;
	drop(): Promise<void>;
}

async function target(opts: FaultOptions): Promise<Target> {
	if (opts.fault === 'postgres-restart') {
		if (opts.database !== 'postgres') throw new Error('postgres-restart needs PostgreSQL');
		const cluster = await PgCluster.create(opts.clusterPort ?? 4215);
		return {
			env: { DATABASE_URL: cluster.url },
			cluster,
			open: async () => {
				const d = await openDatabase({ databaseUrl: cluster.url });
				await d.migrate(MIGRATIONS);
				return d;
			},
			drop: async () => cluster.destroy()
		};
	}
	if (opts.database === 'postgres') {
		const shared: SharedDatabase = await TEST_DATABASES.find(
			(d) => d.name === 'postgres'
		)!.createShared();
		return shared;
	}
	const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-faults-'));
	return {
		env: { BLINDEVAL_DATA_DIR: dataDir },
		open: async () => {
			const d = await openDatabase({ dataDir });
			await d.migrate(MIGRATIONS);
			return d;
		},
		drop: async () => fs.rmSync(dataDir, { recursive: true, force: true })
	};
}

export async function faultRun(opts: FaultOptions): Promise<FaultResult> {
	ensureBuild();
	const t = await target(opts);
	const server = new AppServer(opts.port, t.env);
	let client: LoadClient | undefined;
	try {
		// PGlite is one process at a time: prepare, close, then let the server open it.
		let database = await t.open();
		const day = await prepareRatingDay(database.db, opts.raters);
		await database.close();
		const plans = day.raters.map((rater, i) => ({
			rater,
			saves: planSaves(day, rater, i, opts.letters)
		}));
		const planned = plans.reduce((n, p) => n + p.saves.length, 0);
		await server.start();
		client = new LoadClient(server.origin, opts.connections);

		const thresholds = opts.at.map((share) => Math.floor(share * planned));
		let faults = 0;
		let striking: Promise<void> | null = null;
		let latestAck = 0;
		// The next fault waits until the app has saved again for a while after the last one: a
		// second PostgreSQL restart while postgres.js is still reconnecting its pool can leave
		// queries waiting for ever (postgres.js 3.4.x; README, Performance).
		let settledAt = 0;
		const strike = async () => {
			faults++;
			if (opts.fault === 'server-kill') {
				await server.kill9();
				await server.start();
			} else await t.cluster!.restart('immediate');
			settledAt = latestAck + 2 * opts.connections;
			lastAckAt = performance.now();
		};
		// postgres.js 3.4 can leave its pool waiting for ever after PostgreSQL went down while the
		// pool was reconnecting (porsager/postgres#1193). What an operator does then, the run does:
		// when nothing was saved for STALL_MS, the app server is killed and started again. Counted
		// and printed; the checks that nothing was lost or doubled stay the same.
		let lastAckAt = performance.now();
		let appRestarts = 0;
		const watchdog = setInterval(() => {
			if (opts.fault !== 'postgres-restart' || striking) return;
			if (performance.now() - lastAckAt < STALL_MS) return;
			appRestarts++;
			striking = (async () => {
				await server.kill9();
				await server.start();
				lastAckAt = performance.now();
			})().finally(() => (striking = null));
		}, 1000);
		const { runs, seconds } = await driveRaters(client, plans, {
			retryMs: opts.retryMs ?? 100,
			onAck: (acked) => {
				latestAck = acked;
				lastAckAt = performance.now();
				if (!striking && thresholds.length && acked >= thresholds[0]! && acked >= settledAt) {
					thresholds.shift();
					striking = strike().finally(() => (striking = null));
				}
			}
		});
		clearInterval(watchdog);
		await striking;
		if (opts.killAtEnd) {
			await server.kill9();
			faults++;
			// The app starts again on what the killed process left (PGlite: its data folder).
			await server.start();
		}
		await server.stop();
		database = await t.open();
		try {
			const verdict = await verify(database.db, day, plans, runs);
			return {
				...verdict,
				planned,
				faults,
				appRestarts,
				retried: runs.reduce((n, r) => n + r.errors, 0),
				seconds
			};
		} finally {
			await database.close();
		}
	} finally {
		client?.close();
		await server.stop();
		await t.drop();
	}
}

export function describeFaultResult(r: FaultResult): string {
	return (
		`${r.planned} saves planned, ${r.faults} faults, ${r.appRestarts} app restarts after a stall, ${r.retried} requests retried, ${r.seconds.toFixed(1)} s: ` +
		`acknowledged ${r.acknowledged}, stored ${r.stored}, lost ${r.lost}, duplicated ${r.duplicated}, ` +
		`wrong final values ${r.wrongFinal}`
	);
}
