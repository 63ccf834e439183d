/**
 * Export benchmark (prints figures; asserts nothing). Run: `npm run bench:export`.
 *
 * Builds a round of 100,000 and then 1,000,000 ratings (20 / 200 raters × 1,000 items × 5
 * dimensions) directly in SQL, then streams the long and the wide CSV export to a line-counting
 * sink. The baseline, in the same run on the same data: a bare `COPY (the export's statement,
 * same text) TO STDOUT` into the same sink (on PGlite: to its Blob). After a VACUUM ANALYZE and
 * one discarded warm-up run of each, the two run in pairs of alternating order (BENCH_ROUNDS
 * pairs, default 5). Printed: each side's median and min–max, the ratio of rows/s export ÷ bare
 * (median over pairs, and its range; target ≥ 0.5; above 1.0 only by noise), the load average,
 * and the peak RSS while exporting next to the RSS before (target: under 300 MB and flat from the
 * smaller size to the larger).
 *
 * Database: embedded PGlite in memory, or PostgreSQL when DATABASE_URL is set. BENCH_SIZES=1
 * runs the smaller size only.
 */
import os from 'node:os';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { eq, sql } from 'drizzle-orm';
import { CLI } from '../../src/lib/server/auth/actors';
import type { Db } from '../../src/lib/server/db';
import { copyOut } from '../../src/lib/server/db/copy';
import { studies } from '../../src/lib/server/db/schema';
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
	// The statement the export runs, built from the same round, study and status.
	const round = await roundsService.get(db, roundId);
	const [study] = await db
		.select({ slug: studies.slug })
		.from(studies)
		.where(eq(studies.id, round.studyId));
	const query = exportQuery(
		{
			roundId,
			roundName: round.name,
			slug: study!.slug,
			unblinded: round.status === 'unblinded',
			pairwise: round.kind === 'pairwise',
			form: round.form
		},
		format
	);
	const { state, sink } = lineCounter();
	const m = await measure(() => pipeline(Readable.from(copyOut(db, [query], 'format csv')), sink));
	return { ...m, rows: state.lines };
}

const median = (xs: number[]) => {
	const s = [...xs].sort((a, b) => a - b);
	return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const spread = (xs: number[]) =>
	`median ${median(xs).toFixed(2)} s (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;

const database = await openBenchDatabase();
console.log('blindeval export benchmark');
console.log(`machine   ${os.cpus().length} cores, Node ${process.version}, ${database.kind}`);
console.log(
	`date      ${new Date().toISOString()}, load average ${os
		.loadavg()
		.map((l) => l.toFixed(1))
		.join(' ')}`
);
const rate = (rows: number, s: number) => Math.round(rows / s);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
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
		// Freshly inserted rows: set their hint bits and statistics now, so that neither side's
		// first run pays for them (the old bench's bare side always ran first).
		await database.db.execute(sql.raw('vacuum analyze'));
		for (const format of ['long', 'wide'] as const) {
			// One warm-up run of each (discarded), then ROUNDS pairs in alternating order (ABBA…):
			// the same statement, the same sink, the same cache state for both sides.
			await measureBareCopy(database.db, roundId, format);
			await measureExport(database.db, roundId, format);
			const bare: Awaited<ReturnType<typeof measureBareCopy>>[] = [];
			const exp: Awaited<ReturnType<typeof measureExport>>[] = [];
			for (let i = 0; i < ROUNDS; i++) {
				if (i % 2) {
					exp.push(await measureExport(database.db, roundId, format));
					bare.push(await measureBareCopy(database.db, roundId, format));
				} else {
					bare.push(await measureBareCopy(database.db, roundId, format));
					exp.push(await measureExport(database.db, roundId, format));
				}
			}
			const rows = exp[0]!.rows;
			if (bare.some((b) => b.rows !== rows) || exp.some((e) => e.rows !== rows))
				throw new Error('the export and the bare COPY did not write the same rows');
			const ratios = exp.map((e, i) => bare[i]!.seconds / e.seconds);
			const tExp = median(exp.map((e) => e.seconds));
			const tBare = median(bare.map((b) => b.seconds));
			const before = Math.min(...exp.map((e) => e.before));
			const peak = Math.max(...exp.map((e) => e.peak));
			console.log(
				`  ${format.padEnd(4)} ${rows.toLocaleString('en')} rows, ${mb(exp[0]!.bytes)}, ${ROUNDS} pairs\n` +
					`       export   ${spread(exp.map((e) => e.seconds))}, ${rate(rows, tExp).toLocaleString('en')} rows/s\n` +
					`       bare COPY ${spread(bare.map((b) => b.seconds))}, ${rate(rows, tBare).toLocaleString('en')} rows/s\n` +
					`       ratio (export rows/s ÷ bare) median ${median(ratios).toFixed(2)} (pairs ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}); RSS before ${mb(before)}, peak ${mb(peak)} (+${mb(peak - before)}); load ${os.loadavg()[0]!.toFixed(1)}`
			);
		}
	}
} finally {
	await database.close();
}
