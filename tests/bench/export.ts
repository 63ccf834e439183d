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
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql } from 'drizzle-orm';
import { CLI } from '../../src/lib/server/auth/actors';
import { openDatabase, type Db } from '../../src/lib/server/db';
import { rounds, studies } from '../../src/lib/server/db/schema';
import { exportStream } from '../../src/lib/server/exports';

const DIMENSIONS = ['d1', 'd2', 'd3', 'd4', 'd5'];
const form = {
	dimensions: DIMENSIONS.map((key) => ({
		key,
		label: key,
		question: '',
		anchors: ['1', '2', '3', '4']
	}))
};

async function buildRound(db: Db, slug: string, raters: number, cases: number): Promise<string> {
	const [study] = await db
		.insert(studies)
		.values({ slug, name: slug, seed: '1', form })
		.returning({ id: studies.id });
	const s = study!.id;
	await db.execute(sql`insert into checkpoints (study_id, name, kind)
		select ${s}, 'cp' || g, 'imported' from generate_series(1, 4) g`);
	await db.execute(sql`insert into cases (study_id, external_id, position, source)
		select ${s}, 'C' || g, g, '{"diagnosis": "x"}'::json from generate_series(1, ${cases}) g`);
	await db.execute(sql`insert into outputs (case_id, checkpoint_id, status, text)
		select c.id, k.id, 'done', 'Dear Dr. X, …' from cases c cross join checkpoints k
		where c.study_id = ${s} and k.study_id = ${s}`);
	const [round] = await db
		.insert(rounds)
		.values({ studyId: s, name: 'R', status: 'unblinded', seed: '1', form, design: {} })
		.returning({ id: rounds.id });
	const r = round!.id;
	await db.execute(sql`insert into items (round_id, output_id, code)
		select ${r}, o.id, upper(substr(md5(o.id::text), 1, 4) || '-' || substr(md5(o.id::text), 5, 4))
		from outputs o join cases c on c.id = o.case_id where c.study_id = ${s}`);
	await db.execute(sql`insert into raters (study_id, pseudonym, name, token_hash)
		select ${s}, 'R' || lpad(g::text, 3, '0'), 'rater ' || g, md5(${slug} || g) from generate_series(1, ${raters}) g`);
	await db.execute(sql`insert into assignments (round_id, rater_id, item_id, position)
		select ${r}, ra.id, i.id, (row_number() over (partition by ra.id order by i.code)) - 1
		from raters ra cross join items i where ra.study_id = ${s} and i.round_id = ${r}`);
	await db.execute(sql`insert into ratings (assignment_id, dimension, score)
		select a.id, d, 1 + (abs(hashtext(a.id::text || d)) % 4)
		from assignments a cross join unnest(array['d1', 'd2', 'd3', 'd4', 'd5']) d
		where a.round_id = ${r}`);
	return r;
}

async function measureExport(db: Db, roundId: string) {
	const before = process.memoryUsage().rss;
	let peak = before;
	const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
	const started = performance.now();
	let bytes = 0;
	let lines = 0;
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
	clearInterval(timer);
	peak = Math.max(peak, process.memoryUsage().rss);
	return { seconds: (performance.now() - started) / 1000, rows: lines - 1, bytes, before, peak };
}

const mb = (x: number) => `${(x / 2 ** 20).toFixed(0)} MB`;
const database = await openDatabase(
	process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : { dataDir: 'memory://' }
);
await database.migrate(path.resolve('drizzle'));
console.log('blindeval export benchmark');
console.log(`machine   ${os.cpus().length} cores, Node ${process.version}, ${database.kind}`);
console.log(`date      ${new Date().toISOString()}`);
try {
	for (const [label, raters] of [
		['100,000 ratings', 20],
		['1,000,000 ratings', 200]
	] as const) {
		const t0 = performance.now();
		const roundId = await buildRound(database.db, `bench-${raters}`, raters, 250);
		const built = (performance.now() - t0) / 1000;
		const r = await measureExport(database.db, roundId);
		console.log(
			`${label.padEnd(18)} built in ${built.toFixed(1)} s; long CSV ${r.rows.toLocaleString('en')} rows, ${mb(r.bytes)} in ${r.seconds.toFixed(1)} s (${Math.round(r.rows / r.seconds).toLocaleString('en')} rows/s); RSS before ${mb(r.before)}, peak ${mb(r.peak)} (+${mb(r.peak - r.before)})`
		);
	}
} finally {
	await database.close();
}
