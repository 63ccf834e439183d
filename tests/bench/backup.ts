/**
 * Backup and restore benchmark (prints figures; asserts nothing). Run: `npm run bench:backup`.
 *
 * Builds a study with N ratings directly in SQL (raters × 1,000 items × 5 dimensions, letters of
 * about 2 KB), writes a backup, then restores it over the same database (--force: the tables are
 * emptied in the restore's transaction). Baselines in the same run on the same rows: a bare
 * `COPY table TO STDOUT` of every table into /dev/null for the backup, and for the restore a bare
 * `COPY table FROM STDIN` of the same rows (PostgreSQL's own text format, read from files, in
 * the same 8 MB statements and primary-key order, in one transaction after emptying the tables;
 * the two alternate, twice each (BENCH_ROUNDS), and each side's fastest run counts). Printed: time, rows/s,
 * the ratios (restore target ≥ 0.3 × bare COPY FROM), and the peak RSS of this process next to
 * the RSS before, at two sizes ten times apart: memory should stay flat (target under 300 MB).
 *
 * Database: embedded PGlite in memory, or PostgreSQL when DATABASE_URL is set (PGlite lives in
 * this process, so its RSS grows with the data and says little about the backup itself).
 * BENCH_SIZES=1 runs the smaller size only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql } from 'drizzle-orm';
import { appTables, restoreBackup, writeBackup } from '../../src/lib/server/backup';
import type { Db } from '../../src/lib/server/db';
import { copyIn, copyOut } from '../../src/lib/server/db/copy';
import { buildSyntheticRound } from './synthetic-round';
import { measure, mb, openBenchDatabase } from './support';

const CHUNK = 2 * 1024 * 1024;

async function primaryKey(db: Db, table: string): Promise<string[]> {
	const result = (await db.execute(
		sql.raw(`select a.attname as name from pg_index i join pg_attribute a
			on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
			where i.indrelid = to_regclass('${table}') and i.indisprimary
			order by array_position(i.indkey::int2[], a.attnum)`)
	)) as unknown;
	const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as {
		name: string;
	}[];
	return rows.map((r) => r.name);
}

/** Every table in COPY's text format, one file each: the rows the bare COPY FROM loads. */
async function dumpTables(db: Db, dir: string): Promise<{ rows: number; seconds: number }> {
	let rows = 0;
	const m = await measure(async () => {
		for (const t of appTables()) {
			const out = fs.createWriteStream(path.join(dir, `${t.name}.copy`));
			// Primary-key order, as the backup writes rows: the order decides how the indexes fill.
			const order = (await primaryKey(db, t.sqlName)).map((c) => `"${c}"`).join(', ');
			const query = `select * from ${t.sqlName}${order ? ` order by ${order}` : ''}`;
			await pipeline(
				Readable.from(copyOut(db, [query], 'format text')),
				new Writable({
					write(chunk: Buffer, _e, done) {
						for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
						out.write(chunk, done);
					}
				})
			);
			await new Promise((r) => out.end(r));
		}
	});
	return { rows, seconds: m.seconds };
}

/** Bare COPY FROM of the dumped rows, in 2 MB statements, in one transaction. */
async function bareCopyIn(db: Db, dir: string) {
	const tables = appTables();
	return measure(() =>
		db.transaction(async (tx) => {
			await tx.execute(sql.raw(`truncate table ${tables.map((t) => t.sqlName).join(', ')}`));
			for (const t of tables) {
				let pending = '';
				for await (const chunk of fs.createReadStream(path.join(dir, `${t.name}.copy`), {
					encoding: 'utf8',
					highWaterMark: CHUNK
				})) {
					pending += chunk;
					const cut = pending.lastIndexOf('\n') + 1;
					if (cut) await copyIn(tx, t.sqlName, pending.slice(0, cut));
					pending = pending.slice(cut);
				}
			}
		})
	);
}

const database = await openBenchDatabase();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-bench-backup-'));
console.log('blindeval backup benchmark');
console.log(`machine   ${os.cpus().length} cores, Node ${process.version}, ${database.kind}`);
console.log(
	`date      ${new Date().toISOString()}, load average ${os
		.loadavg()
		.map((l) => l.toFixed(1))
		.join(' ')}`
);
const rate = (rows: number, s: number) => Math.round(rows / s);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const restoreOnce = (db: Db, file: string) =>
	measure(() => restoreBackup(db, file, { force: true }));
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
		const dump = await dumpTables(database.db, work);
		const b = await measure(() => writeBackup(database.db, file, { overwrite: true }));
		// Alternate restore and bare COPY FROM (each empties the tables first), twice each, and
		// keep each side's fastest run: the shared machine's noise weighs on neither.
		const bares: Awaited<ReturnType<typeof bareCopyIn>>[] = [];
		const restores: Awaited<ReturnType<typeof restoreOnce>>[] = [];
		for (let i = 0; i < ROUNDS; i++) {
			bares.push(await bareCopyIn(database.db, work));
			restores.push(await restoreOnce(database.db, file));
		}
		const fastest = <T extends { seconds: number }>(xs: T[]) =>
			xs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
		const bare = fastest(bares);
		const r = { ...fastest(restores), peak: Math.max(...restores.map((x) => x.peak)) };
		const rows = b.result.rows;
		console.log(
			`${label.padEnd(18)} ${rows.toLocaleString('en')} rows, file ${mb(b.result.bytes)}\n` +
				`  backup   ${b.seconds.toFixed(1)} s (${rate(rows, b.seconds).toLocaleString('en')} rows/s), bare COPY TO ${dump.seconds.toFixed(1)} s (${rate(dump.rows, dump.seconds).toLocaleString('en')} rows/s), ratio ${(rate(rows, b.seconds) / rate(dump.rows, dump.seconds)).toFixed(2)}; RSS ${mb(b.before)} → peak ${mb(b.peak)} (+${mb(b.peak - b.before)})\n` +
				`  restore  ${r.seconds.toFixed(1)} s (${rate(rows, r.seconds).toLocaleString('en')} rows/s), bare COPY FROM ${bare.seconds.toFixed(1)} s (${rate(dump.rows, bare.seconds).toLocaleString('en')} rows/s), ratio ${(rate(rows, r.seconds) / rate(dump.rows, bare.seconds)).toFixed(2)}; RSS ${mb(r.before)} → peak ${mb(r.peak)} (+${mb(r.peak - r.before)}); load ${os.loadavg()[0]!.toFixed(1)}`
		);
	}
} finally {
	await database.close();
	fs.rmSync(work, { recursive: true, force: true });
}
