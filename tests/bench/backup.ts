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
import { openDatabase, type Db } from '../../src/lib/server/db';
import { rounds, studies } from '../../src/lib/server/db/schema';

const form = {
	dimensions: ['d1', 'd2', 'd3', 'd4', 'd5'].map((key) => ({
		key,
		label: key,
		question: '',
		anchors: ['1', '2', '3', '4']
	}))
};

async function buildStudy(db: Db, slug: string, raters: number): Promise<void> {
	const [study] = await db
		.insert(studies)
		.values({ slug, name: slug, seed: '1', form })
		.returning({ id: studies.id });
	const s = study!.id;
	await db.execute(sql`insert into checkpoints (study_id, name, kind)
		select ${s}, 'cp' || g, 'imported' from generate_series(1, 4) g`);
	await db.execute(sql`insert into cases (study_id, external_id, position, source)
		select ${s}, 'C' || g, g, ('{"diagnosis": "carcinoma ' || g || '", "tnm": "cT2 cN0 cM0"}')::json
		from generate_series(1, 250) g`);
	await db.execute(sql`insert into outputs (case_id, checkpoint_id, status, text, provenance)
		select c.id, k.id, 'done', repeat('Sehr geehrte Frau Kollegin, ', 70), '{"source": "imported"}'::jsonb
		from cases c cross join checkpoints k where c.study_id = ${s} and k.study_id = ${s}`);
	const [round] = await db
		.insert(rounds)
		.values({ studyId: s, name: 'R', status: 'unblinded', seed: '1', form, design: {} })
		.returning({ id: rounds.id });
	const r = round!.id;
	await db.execute(sql`insert into items (round_id, output_id, code)
		select ${r}, o.id, upper(substr(md5(o.id::text), 1, 4) || '-' || substr(md5(o.id::text), 5, 4))
		from outputs o join cases c on c.id = o.case_id where c.study_id = ${s}`);
	await db.execute(sql`insert into raters (study_id, pseudonym, name, token_hash)
		select ${s}, 'R' || lpad(g::text, 3, '0'), 'rater ' || g, md5(${slug} || g)
		from generate_series(1, ${raters}) g`);
	await db.execute(sql`insert into assignments (round_id, rater_id, item_id, position, completed_at)
		select ${r}, ra.id, i.id, (row_number() over (partition by ra.id order by i.code)) - 1, now()
		from raters ra cross join items i where ra.study_id = ${s} and i.round_id = ${r}`);
	await db.execute(sql`insert into ratings (assignment_id, dimension, score)
		select a.id, d, 1 + (abs(hashtext(a.id::text || d)) % 4)
		from assignments a cross join unnest(array['d1', 'd2', 'd3', 'd4', 'd5']) d
		where a.round_id = ${r}`);
}

async function measure<T>(fn: () => Promise<T>) {
	const before = process.memoryUsage().rss;
	let peak = before;
	const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
	const started = performance.now();
	const result = await fn();
	clearInterval(timer);
	peak = Math.max(peak, process.memoryUsage().rss);
	return { result, seconds: (performance.now() - started) / 1000, before, peak };
}

const mb = (x: number) => `${(x / 2 ** 20).toFixed(0)} MB`;
const database = await openDatabase(
	process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : { dataDir: 'memory://' }
);
await database.migrate(path.resolve('drizzle'));
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
		await buildStudy(database.db, `bench-${raters}`, raters);
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
