/**
 * Export benchmark (prints figures; asserts nothing). Run: `npm run bench:export`.
 *
 * Builds a round of 100,000 and then 1,000,000 ratings (20 / 200 raters × 1,000 items × 5
 * dimensions) directly in SQL, then streams the long and the wide CSV export to /dev/null. The
 * baseline, in the same run on the same data: a bare `COPY (the export's query) TO STDOUT`
 * into /dev/null (on PGlite: to its Blob). The two alternate, three runs each (BENCH_ROUNDS),
 * and each side's fastest run counts. Printed: rows/s, the ratio export ÷ bare COPY
 * (target ≥ 0.5), and the peak RSS while exporting next to the RSS before (target: under 300 MB
 * and flat from the smaller size to the larger).
 *
 * Database: embedded PGlite in memory, or PostgreSQL when DATABASE_URL is set. BENCH_SIZES=1
 * runs the smaller size only.
 */
import os from 'node:os';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CLI } from '../../src/lib/server/auth/actors';
import type { Db } from '../../src/lib/server/db';
import { copyOut } from '../../src/lib/server/db/copy';
import { exportQuery } from '../../src/lib/server/export-copy';
import { exportStream } from '../../src/lib/server/exports';
import * as roundsService from '../../src/lib/server/rounds';
import { buildSyntheticRound, DIMENSIONS } from './synthetic-round';
import { measure, mb, openBenchDatabase } from './support';

function lineCounter() {
	const state = { bytes: 0, lines: 0 };
	const sink = new Writable({
		write(chunk: Buffer | string, _enc, done) {
			const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
			state.bytes += buf.length;
			for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) state.lines++;
			done();
		}
	});
	return { state, sink };
}

async function measureExport(db: Db, roundId: string, format: 'long' | 'wide') {
	const { state, sink } = lineCounter();
	const m = await measure(async () => {
		const out = await exportStream(db, CLI, roundId, format);
		await pipeline(Readable.from(out.chunks), sink);
	});
	return { ...m, rows: state.lines - 1, bytes: state.bytes };
}

async function measureBareCopy(db: Db, roundId: string, format: 'long' | 'wide') {
	const round = await roundsService.get(db, roundId);
	const query = exportQuery(
		{
			roundId,
			roundName: round.name,
			slug: 'bench',
			unblinded: true,
			pairwise: false,
			form: round.form
		},
		format
	);
	const { state, sink } = lineCounter();
	const m = await measure(() => pipeline(Readable.from(copyOut(db, [query], 'format csv')), sink));
	return { ...m, rows: state.lines };
}

const database = await openBenchDatabase();
console.log('blindeval export benchmark');
console.log(`machine   ${os.cpus().length} cores, Node ${process.version}, ${database.kind}`);
console.log(`date      ${new Date().toISOString()}`);
const rate = (rows: number, s: number) => Math.round(rows / s);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
try {
	for (const [label, raters] of (
		[
			['100,000 ratings', 20],
			['1,000,000 ratings', 200]
		] as const
	).slice(0, Number(process.env.BENCH_SIZES ?? 2))) {
		const t0 = performance.now();
		const roundId = await buildSyntheticRound(database.db, `bench-${raters}`, raters, 250);
		const built = (performance.now() - t0) / 1000;
		console.log(`${label}: built in ${built.toFixed(1)} s (${DIMENSIONS.length} dimensions)`);
		for (const format of ['long', 'wide'] as const) {
			// Both sides run the same query on the same data: alternate them, three times each,
			// and keep each side's fastest run, so the shared machine's noise weighs on neither.
			const runs = {
				bare: [] as Awaited<ReturnType<typeof measureBareCopy>>[],
				export: [] as Awaited<ReturnType<typeof measureExport>>[]
			};
			for (let i = 0; i < ROUNDS; i++) {
				runs.bare.push(await measureBareCopy(database.db, roundId, format));
				runs.export.push(await measureExport(database.db, roundId, format));
			}
			const fastest = <T extends { seconds: number }>(xs: T[]) =>
				xs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
			const bare = fastest(runs.bare);
			const r = { ...fastest(runs.export), peak: Math.max(...runs.export.map((x) => x.peak)) };
			console.log(
				`  ${format.padEnd(4)} ${r.rows.toLocaleString('en')} rows, ${mb(r.bytes)}: export ${r.seconds.toFixed(2)} s (${rate(r.rows, r.seconds).toLocaleString('en')} rows/s); bare COPY ${bare.seconds.toFixed(2)} s (${rate(bare.rows, bare.seconds).toLocaleString('en')} rows/s); ratio ${(rate(r.rows, r.seconds) / rate(bare.rows, bare.seconds)).toFixed(2)}; RSS before ${mb(r.before)}, peak ${mb(r.peak)} (+${mb(r.peak - r.before)})`
			);
		}
	}
} finally {
	await database.close();
}
