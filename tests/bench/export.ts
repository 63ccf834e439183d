/**
 * Export benchmark (prints figures; asserts nothing). Run: `npm run bench:export`.
 *
 * Builds a round of 1,000,000 ratings (200 raters × 1,000 items × 5 dimensions) directly in SQL,
 * then streams the long CSV export to /dev/null and prints rows/s and the peak RSS while
 * exporting, next to the RSS before the export (the baseline measured in the same run).
 * Target: memory flat (peak RSS under 300 MB) at any size. The same export at a tenth of the
 * size is run first, so the two peaks can be compared.
 *
 * Database: embedded PGlite in memory, or PostgreSQL when DATABASE_URL is set.
 */
import os from 'node:os';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CLI } from '../../src/lib/server/auth/actors';
import { buildSyntheticRound } from './synthetic-round';
import type { Db } from '../../src/lib/server/db';
import { measure, mb, openBenchDatabase } from './support';
import { exportStream } from '../../src/lib/server/exports';

async function measureExport(db: Db, roundId: string) {
	let bytes = 0;
	let lines = 0;
	const { seconds, before, peak } = await measure(async () => {
		const out = await exportStream(db, CLI, roundId, 'long');
		await pipeline(
			Readable.from(out.chunks),
			new Writable({
				write(chunk: Buffer | string, _enc, done) {
					const text = chunk.toString();
					bytes += Buffer.byteLength(text);
					for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
					done();
				}
			})
		);
	});
	return { seconds, rows: lines - 1, bytes, before, peak };
}

const database = await openBenchDatabase();
console.log('blindeval export benchmark');
console.log(`machine   ${os.cpus().length} cores, Node ${process.version}, ${database.kind}`);
console.log(`date      ${new Date().toISOString()}`);
try {
	for (const [label, raters] of [
		['100,000 ratings', 20],
		['1,000,000 ratings', 200]
	] as const) {
		const t0 = performance.now();
		const roundId = await buildSyntheticRound(database.db, `bench-${raters}`, raters, 250);
		const built = (performance.now() - t0) / 1000;
		const r = await measureExport(database.db, roundId);
		console.log(
			`${label.padEnd(18)} built in ${built.toFixed(1)} s; long CSV ${r.rows.toLocaleString('en')} rows, ${mb(r.bytes)} in ${r.seconds.toFixed(1)} s (${Math.round(r.rows / r.seconds).toLocaleString('en')} rows/s); RSS before ${mb(r.before)}, peak ${mb(r.peak)} (+${mb(r.peak - r.before)})`
		);
	}
} finally {
	await database.close();
}
