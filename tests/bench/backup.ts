/**
 * Backup and restore benchmark (prints figures; asserts nothing). Run: `npm run bench:backup`.
 *
 * Builds a study with N ratings directly in SQL (raters × 1,000 items × 5 dimensions, letters of
 * about 2 KB), writes a backup, then restores it over the same database (--force: the tables are
 * emptied in the restore's transaction). Prints time, file size and the peak RSS of this process
 * next to the RSS before (the baseline of the same run), at two sizes ten times apart: memory
 * should stay flat.
 *
 * Database: embedded PGlite in memory, or PostgreSQL when DATABASE_URL is set (PGlite lives in
 * this process, so its RSS grows with the data and says little about the backup itself).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { restoreBackup, writeBackup } from '../../src/lib/server/backup';
import { buildSyntheticRound } from './synthetic-round';
import { measure, mb, openBenchDatabase } from './support';

const database = await openBenchDatabase();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-bench-backup-'));
console.log('blindeval backup benchmark');
console.log(`machine   ${os.cpus().length} cores, Node ${process.version}, ${database.kind}`);
console.log(`date      ${new Date().toISOString()}`);
try {
	for (const [label, raters] of [
		['100,000 ratings', 20],
		['1,000,000 ratings', 200]
	].slice(0, Number(process.env.BENCH_SIZES ?? 2)) as [string, number][]) {
		await database.db.execute(
			sql.raw(`truncate table studies, audit_log, users, file_digests cascade`)
		);
		await buildSyntheticRound(database.db, `bench-${raters}`, raters);
		const file = path.join(work, `bench-${raters}.backup.gz`);
		const b = await measure(() => writeBackup(database.db, file, { overwrite: true }));
		const r = await measure(() => restoreBackup(database.db, file, { force: true }));
		const rows = b.result.rows;
		console.log(
			`${label.padEnd(18)} ${rows.toLocaleString('en')} rows, file ${mb(b.result.bytes)}\n` +
				`  backup   ${b.seconds.toFixed(1)} s (${Math.round(rows / b.seconds).toLocaleString('en')} rows/s), RSS ${mb(b.before)} → peak ${mb(b.peak)} (+${mb(b.peak - b.before)})\n` +
				`  restore  ${r.seconds.toFixed(1)} s (${Math.round(rows / r.seconds).toLocaleString('en')} rows/s), RSS ${mb(r.before)} → peak ${mb(r.peak)} (+${mb(r.peak - r.before)})`
		);
	}
} finally {
	await database.close();
	fs.rmSync(work, { recursive: true, force: true });
}
