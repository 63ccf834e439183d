/**
 * A rating day under load (prints figures; asserts nothing). Run: `npm run bench:rating-day`
 * (PostgreSQL needs TEST_DATABASE_URL, as for the tests; builds first when the build is stale).
 *
 * Load (default): the production server (`node server.js`) on a throwaway database holding the
 * demo study and an open, fully crossed round (28 letters × 6 dimensions) with N raters, each
 * with their own link. Every rater opens their link, then saves every score of their letters
 * with no think time, plus comments, corrected letters and changed scores for some, through the
 * rating page's API, with at most C requests in flight (keep-alive connections). In the same run,
 * the same C connections call a trivial endpoint of the same server (/api/health) for a baseline.
 * Prints saves/s, p50/p95/p99 latency and errors for both, and their ratio; then checks every
 * acknowledged save in the database. Default: 200 raters on PostgreSQL, then 50 on PGlite, C 100.
 *
 * --faults: the fault scenarios at large size (tests/support/fault-run.ts): the server killed
 * with SIGKILL mid-load and restarted, on PostgreSQL and on PGlite (there also killed after the
 * last save), and PostgreSQL (a cluster of the benchmark's own) restarted as after a crash.
 *
 * --rate R: open loop instead. Requests are sent on a fixed schedule of R per second (the
 * trivial endpoint for --seconds, then the saves, each rater still one save at a time) over at
 * most C connections, and latency is measured from each request's scheduled time, so the
 * latency target can be judged at a throughput the server sustains. The achieved rate is
 * printed beside it: well below R means the server could not keep up.
 *
 * --trace: lines the slow saves (over 50 ms) up with what happened then: the server's and this
 * process's garbage collection pauses and event loop stalls (src/lib/server/stall-trace.ts), and
 * on PostgreSQL the server log's checkpoints, autovacuum runs and statements over 20 ms (set on
 * the throwaway database only, without parameters; needs root to run psql as `postgres`).
 *
 * --pg-set name=value (repeatable): a setting for the throwaway PostgreSQL database only (ALTER
 * DATABASE, as `postgres`: needs root), to see what e.g. commit_delay changes.
 *
 * --url-query q: appended to the server's DATABASE_URL, e.g. `prepare=false` to measure the
 * server as it was before it prepared its statements (db/index.ts).
 *
 * Options: --db postgres|pglite (one database only), --raters N, --connections C, --letters K
 * (letters per rater), --seconds S (length of the baseline run), --rate R. BENCH_PORT sets the
 * port; BENCH_SERVER_NODE_OPTIONS is passed to the server's node (e.g. an --import profiler).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase, type Database } from '../../src/lib/server/db';
import postgres from 'postgres';
import { AppServer, ensureBuild } from '../support/app-server';
import { CpuMeter } from '../support/cpu-time';
import { TEST_DATABASES } from '../support/databases';
import { describeFaultResult, faultRun } from '../support/fault-run';
import { LoadClient } from '../support/load-client';
import { startStallTrace } from '../../src/lib/server/stall-trace';
import { execFileSync } from 'node:child_process';
import {
	driveRaters,
	pacer,
	percentiles,
	planSaves,
	prepareRatingDay,
	verify
} from '../support/rating-day';

const { values: args } = parseArgs({
	options: {
		db: { type: 'string' },
		raters: { type: 'string' },
		connections: { type: 'string', default: '100' },
		letters: { type: 'string' },
		seconds: { type: 'string', default: '10' },
		rate: { type: 'string' },
		faults: { type: 'boolean', default: false },
		trace: { type: 'boolean', default: false },
		'pg-set': { type: 'string', multiple: true },
		'url-query': { type: 'string' }
	}
});
const PORT = Number(process.env.BENCH_PORT ?? 4392);
const CONNECTIONS = Number(args.connections);
/** Open loop: requests/s for both the trivial endpoint and the saves (else as fast as they go). */
const RATE = args.rate ? Number(args.rate) : undefined;
const LETTERS = args.letters ? Number(args.letters) : undefined;
const MIGRATIONS = path.resolve('drizzle');
/** --trace: where the server and this process write their pauses (see printTrace). */
const TRACE_DIR = args.trace ? fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-trace-')) : '';
const CLIENT_TRACE = path.join(TRACE_DIR, 'client.jsonl');
if (args.trace) startStallTrace(CLIENT_TRACE);
const PG_LOG = '/var/log/postgresql/postgresql-15-main.log';

interface Figures {
	requests: number;
	perSecond: number;
	p50: number;
	p95: number;
	p99: number;
	errors: number;
	/** CPU time the server and its database backends used in the measured part (ms). */
	cpu: { server: number; database: number };
}

interface Meter {
	start(): Promise<unknown>;
	stop(): Promise<Figures['cpu']>;
}

const fmt = (f: Figures) =>
	`${f.perSecond.toFixed(0)} req/s, p50 ${f.p50.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms, errors ${f.errors} (${f.requests} requests)`;

/** The baseline: C connections calling /api/health back to back for `seconds` (after 1 s warm-up). */
async function trivial(client: LoadClient, seconds: number, meter: Meter): Promise<Figures> {
	const latencies: number[] = [];
	let errors = 0;
	let measuring = false;
	let end = performance.now() + 1000;
	const worker = async () => {
		while (performance.now() < end) {
			const r = await client.request('GET', '/api/health');
			if (!measuring) continue;
			latencies.push(r.ms);
			if (r.status !== 200) errors++;
		}
	};
	await Promise.all(Array.from({ length: CONNECTIONS }, worker)); // warm-up
	measuring = true;
	await meter.start();
	const started = performance.now();
	end = started + seconds * 1000;
	await Promise.all(Array.from({ length: CONNECTIONS }, worker));
	const elapsed = (performance.now() - started) / 1000;
	const cpu = await meter.stop();
	return {
		requests: latencies.length,
		perSecond: latencies.length / elapsed,
		...percentiles(latencies),
		errors,
		cpu
	};
}

/** The baseline at a fixed rate: GET /api/health every 1/rate s for `seconds` (after 1 s). */
async function trivialAt(
	client: LoadClient,
	rate: number,
	seconds: number,
	meter: Meter
): Promise<Figures> {
	const run = async (count: number) => {
		const pace = pacer(rate);
		const sent: Promise<{ ms: number; ok: boolean }>[] = [];
		for (let i = 0; i < count; i++) {
			const at = await pace();
			sent.push(
				client
					.request('GET', '/api/health')
					.then((r) => ({ ms: performance.now() - at, ok: r.status === 200 }))
			);
		}
		return Promise.all(sent);
	};
	await run(Math.ceil(rate)); // warm-up
	await meter.start();
	const started = performance.now();
	const answers = await run(Math.ceil(rate * seconds));
	const elapsed = (performance.now() - started) / 1000;
	const cpu = await meter.stop();
	return {
		requests: answers.length,
		perSecond: answers.length / elapsed,
		...percentiles(answers.map((a) => a.ms)),
		errors: answers.filter((a) => !a.ok).length,
		cpu
	};
}

async function loadRun(kind: 'postgres' | 'pglite', raterCount: number): Promise<void> {
	let env: Record<string, string>;
	let open: () => Promise<Database>;
	let drop: () => Promise<void>;
	if (kind === 'postgres') {
		const shared = await TEST_DATABASES.find((d) => d.name === 'postgres')!.createShared();
		({ env, open, drop } = shared);
	} else {
		const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-bench-day-'));
		env = { BLINDEVAL_DATA_DIR: dataDir };
		open = async () => {
			const d = await openDatabase({ dataDir });
			await d.migrate(MIGRATIONS);
			return d;
		};
		drop = async () => fs.rmSync(dataDir, { recursive: true, force: true });
	}
	// BENCH_SERVER_NODE_OPTIONS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles the server.
	if (process.env.BENCH_SERVER_NODE_OPTIONS)
		env = { ...env, NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS };
	if (kind === 'postgres' && args['url-query'])
		env = { ...env, DATABASE_URL: `${env.DATABASE_URL}?${args['url-query']}` };
	const serverTrace = path.join(TRACE_DIR, `server-${kind}.jsonl`);
	if (args.trace) env = { ...env, BLINDEVAL_STALL_TRACE: serverTrace };
	const server = new AppServer(PORT, env);
	const client = new LoadClient(server.origin, CONNECTIONS);
	try {
		let database = await open();
		const day = await prepareRatingDay(database.db, raterCount);
		await database.close();
		const plans = day.raters.map((rater, i) => ({
			rater,
			saves: planSaves(day, rater, i, LETTERS)
		}));
		const planned = plans.reduce((n, p) => n + p.saves.length, 0);
		const pgLogFrom = args.trace && kind === 'postgres' ? tracePostgres(env.DATABASE_URL!) : 0;
		if (kind === 'postgres')
			for (const setting of args['pg-set'] ?? []) {
				const [name, value] = setting.split('=') as [string, string];
				asPostgres(
					'postgres',
					`alter database "${dbName(env.DATABASE_URL!)}" set ${name} = '${value}'`
				);
			}
		await server.start();
		const watcher = kind === 'postgres' ? postgres(env.DATABASE_URL!, { max: 1 }) : null;
		// The server, and on PostgreSQL its connections' backends (not the watcher's own).
		const serverMeter = new CpuMeter(async () => [server.pid!]);
		const databaseMeter = new CpuMeter(async () =>
			watcher
				? (
						await watcher<{ pid: number }[]>`
							select pid from pg_stat_activity
							where datname = current_database() and pid <> pg_backend_pid()`
					).map((r) => r.pid)
				: []
		);
		const meter = {
			start: () => Promise.all([serverMeter.start(), databaseMeter.start()]),
			stop: async () => ({ server: await serverMeter.stop(), database: await databaseMeter.stop() })
		};

		const base = RATE
			? await trivialAt(client, RATE, Number(args.seconds), meter)
			: await trivial(client, Number(args.seconds), meter);
		await meter.start();
		const { runs, seconds } = await driveRaters(client, plans, {
			retryMs: 100,
			pace: RATE ? pacer(RATE) : undefined
		});
		const savesCpu = await meter.stop();
		await watcher?.end();
		const latencies = runs.flatMap((r) => r.latencies);
		if (args.trace) printTrace(runs, serverTrace, kind === 'postgres' ? pgLogFrom : undefined);
		const acknowledged = runs.reduce((n, r) => n + r.acknowledged, 0);
		const saves: Figures = {
			requests: latencies.length,
			perSecond: acknowledged / seconds,
			...percentiles(latencies),
			errors: runs.reduce((n, r) => n + r.errors, 0),
			cpu: savesCpu
		};
		const statuses = new Map<number, number>();
		for (const r of runs)
			for (const [status, n] of r.errorStatuses)
				statuses.set(status, (statuses.get(status) ?? 0) + n);
		await server.stop();
		database = await open();
		const verdict = await verify(database.db, day, plans, runs);
		await database.close();

		const ratio = saves.perSecond / base.perSecond;
		console.log(
			`\n${kind === 'postgres' ? 'PostgreSQL 15' : 'PGlite (embedded)'}: ${raterCount} raters, ${CONNECTIONS} connections, ${planned} saves (${seconds.toFixed(1)} s)${RATE ? `, open loop at ${RATE} requests/s (latency from the scheduled time)` : ''}, load average now ${os.loadavg()[0]!.toFixed(1)}`
		);
		console.log(`  trivial endpoint (GET /api/health): ${fmt(base)}`);
		console.log(`  saves (PUT scores, comments, corrections): ${fmt(saves)}`);
		console.log(
			(RATE
				? `  (open loop: the throughput ratio is set by the rate; judge the latency) `
				: `  ratio saves/trivial ${ratio.toFixed(2)} (target ≥ 0.25: ${ratio >= 0.25 ? 'met' : 'MISSED'}); `) +
				`p99 ${saves.p99.toFixed(1)} ms (target ≤ 50 ms: ${saves.p99 <= 50 ? 'met' : 'MISSED'}); ` +
				`errors ${saves.errors} (target 0: ${saves.errors === 0 ? 'met' : 'MISSED'})`
		);
		const perRequest = (f: Figures) => ({
			server: f.cpu.server / f.requests,
			database: f.cpu.database / f.requests,
			all: (f.cpu.server + f.cpu.database) / f.requests
		});
		const cpuTrivial = perRequest(base).all;
		const cpu = perRequest(saves);
		const cpuSave = cpu.all;
		console.log(
			`  CPU per request: trivial ${cpuTrivial.toFixed(3)} ms, save ${cpuSave.toFixed(3)} ms (server ${cpu.server.toFixed(3)} + database ${cpu.database.toFixed(3)}); ` +
				`ratio trivial/save ${(cpuTrivial / cpuSave).toFixed(2)} (what the throughput ratio would be with the CPU to themselves)`
		);
		if (statuses.size)
			console.log(
				`  errors by status (0: no answer): ${[...statuses].map(([s, n]) => `${s} × ${n}`).join(', ')}; the server's last error lines:\n${server.stderr.trim().split('\n').slice(-5).join('\n')}`
			);
		console.log(
			`  in the database: acknowledged ${verdict.acknowledged}, stored ${verdict.stored}, lost ${verdict.lost}, duplicated ${verdict.duplicated}, wrong final values ${verdict.wrongFinal}`
		);
	} finally {
		client.close();
		await server.stop();
		await drop();
	}
}

/**
 * --trace on PostgreSQL: the throwaway database logs its statements over 20 ms (never their
 * parameters) and its tables' autovacuum runs; checkpoints are logged by the cluster already.
 * Returns where the server log stands, to read what the run adds.
 */
function tracePostgres(url: string): number {
	const name = dbName(url);
	asPostgres(
		'postgres',
		`alter database "${name}" set log_min_duration_statement = 20; alter database "${name}" set log_parameter_max_length = 0`
	);
	asPostgres(
		name,
		`do $$ declare t text; begin for t in select tablename from pg_tables where schemaname = 'public' loop execute format('alter table %I set (log_autovacuum_min_duration = 0)', t); end loop; end $$`
	);
	return fs.existsSync(PG_LOG) ? fs.statSync(PG_LOG).size : 0;
}

const dbName = (url: string) => new URL(url).pathname.slice(1);

/** Runs SQL in `database` as the `postgres` superuser (peer authentication: needs root). */
function asPostgres(database: string, query: string): void {
	execFileSync('runuser', ['-u', 'postgres', '--', 'psql', '-d', database, '-qc', query]);
}

interface TraceEvent {
	t: number;
	what: string;
}

function readTrace(file: string, who: string): TraceEvent[] {
	if (!fs.existsSync(file)) return [];
	return fs
		.readFileSync(file, 'utf8')
		.split('\n')
		.filter(Boolean)
		.map((l) => JSON.parse(l) as { t: number; gc?: string; ms?: number; loop?: number })
		.map((e) => ({
			t: e.t,
			what: e.gc ? `${who} GC ${e.gc} ${e.ms} ms` : `${who} event loop blocked ${e.loop} ms`
		}));
}

/** The PostgreSQL log lines the run added that say something about time (UTC timestamps). */
function readPgLog(from: number): TraceEvent[] {
	const fd = fs.openSync(PG_LOG, 'r');
	const size = fs.fstatSync(fd).size;
	const buf = Buffer.alloc(size - from);
	fs.readSync(fd, buf, 0, buf.length, from);
	fs.closeSync(fd);
	return buf
		.toString('utf8')
		.split('\n')
		.filter((l) => /checkpoint|duration: |automatic (vacuum|analyze)/.test(l))
		.map((l) => ({
			t: Date.parse(l.slice(0, 23).replace(' ', 'T') + 'Z'),
			what:
				'PostgreSQL ' +
				l
					.slice(24)
					.replace(/ execute [^:]*: .*/, ' (a statement)')
					.slice(0, 160)
		}));
}

/**
 * Groups the slow saves (over 50 ms) into episodes (gaps under 250 ms) and prints, for each, what
 * the server, this client and PostgreSQL logged from 500 ms before to its end.
 */
function printTrace(
	runs: { latencies: number[]; sentAt: number[] }[],
	serverTrace: string,
	pgLogFrom?: number
): void {
	const samples = runs
		.flatMap((r) => r.latencies.map((ms, i) => ({ at: r.sentAt[i]!, ms })))
		.sort((a, b) => a.at - b.at);
	const start = samples[0]?.at ?? 0;
	const events = [
		...readTrace(serverTrace, 'server'),
		...readTrace(CLIENT_TRACE, 'client'),
		...(pgLogFrom === undefined ? [] : readPgLog(pgLogFrom))
	].sort((a, b) => a.t - b.t);
	const slow = samples.filter((s) => s.ms > 50);
	const episodes: { from: number; to: number; n: number; max: number }[] = [];
	for (const s of slow) {
		const last = episodes.at(-1);
		if (last && s.at - last.to < 250) {
			last.to = Math.max(last.to, s.at + s.ms);
			last.n++;
			last.max = Math.max(last.max, s.ms);
		} else episodes.push({ from: s.at, to: s.at + s.ms, n: 1, max: s.ms });
	}
	const rel = (t: number) => `${((t - start) / 1000).toFixed(2)} s`;
	console.log(
		`  trace: ${slow.length} of ${samples.length} saves over 50 ms, in ${episodes.length} episodes`
	);
	for (const e of episodes) {
		console.log(
			`    at ${rel(e.from)}–${rel(e.to)}: ${e.n} slow saves, worst ${e.max.toFixed(0)} ms`
		);
		for (const ev of events.filter((x) => x.t >= e.from - 500 && x.t <= e.to))
			console.log(`      ${rel(ev.t)} ${ev.what}`);
	}
	const first = samples.filter((s) => s.at - start < 2000).map((s) => s.ms);
	const rest = samples.filter((s) => s.at - start >= 2000).map((s) => s.ms);
	console.log(
		`  p99 of the saves sent in the first 2 s ${percentiles(first).p99.toFixed(1)} ms (${first.length}), after ${percentiles(rest).p99.toFixed(1)} ms (${rest.length})`
	);
	const inRun = events.filter((x) => x.t >= start && x.t <= (samples.at(-1)?.at ?? 0));
	const count = (re: RegExp) => inRun.filter((x) => re.test(x.what)).length;
	console.log(
		`  over the whole run: server GC pauses ≥ 2 ms ${count(/^server GC/)} (mark-compact ${count(/^server GC major/)}), server loop stalls ≥ 10 ms ${count(/^server event/)}, client GC ${count(/^client GC/)}, client stalls ${count(/^client event/)}, PostgreSQL slow statements ${count(/duration/)}, checkpoints ${count(/checkpoint starting/)}`
	);
}

async function faults(): Promise<void> {
	const runs = [
		{
			title: 'server killed (SIGKILL) 3 times mid-load and restarted, PostgreSQL',
			database: 'postgres' as const,
			fault: 'server-kill' as const,
			raters: Number(args.raters ?? 200),
			at: [0.25, 0.5, 0.75]
		},
		{
			title: 'PostgreSQL restarted (immediate, as after a crash) mid-load, own cluster',
			database: 'postgres' as const,
			fault: 'postgres-restart' as const,
			raters: Number(args.raters ?? 200),
			// Once: see fault-run.ts on a second restart while postgres.js reconnects.
			at: [0.4]
		},
		{
			title: 'server killed (SIGKILL) twice mid-load and after the last save, PGlite data folder',
			database: 'pglite' as const,
			fault: 'server-kill' as const,
			raters: Number(args.raters ?? 50),
			at: [0.3, 0.6],
			killAtEnd: true
		}
	].filter((r) => !args.db || r.database === args.db);
	for (const { title, ...run } of runs) {
		const result = await faultRun({
			...run,
			letters: LETTERS,
			connections: CONNECTIONS,
			port: PORT,
			clusterPort: Number(process.env.BENCH_PG_PORT ?? 4393)
		});
		console.log(`\n${title}: ${run.raters} raters, ${CONNECTIONS} connections`);
		console.log(`  ${describeFaultResult(result)}`);
	}
}

const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
console.log(
	`rating-day benchmark${args.faults ? ' (faults)' : ''}, ${date} UTC, ${os.cpus().length} cores, Node ${process.version}, load average ${os
		.loadavg()
		.map((l) => l.toFixed(1))
		.join(' ')}`
);
ensureBuild();
if (args.faults) await faults();
else {
	if (!args.db || args.db === 'postgres') await loadRun('postgres', Number(args.raters ?? 200));
	if (!args.db || args.db === 'pglite') await loadRun('pglite', Number(args.raters ?? 50));
}
