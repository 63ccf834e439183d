/**
 * Study import benchmark at the scale of Wang et al. (prints figures; asserts nothing). Run:
 * `npm run bench:import`.
 *
 * Writes a study folder of 10,000 cases (the demo's cases, repeated under new ids) with two
 * imported output sets of 10,000 letters each, then loads it (parse and validate the files) and
 * imports it into emptied tables (one transaction), BENCH_ROUNDS times (default 3), alternating
 * with a bare `COPY FROM` of the same rows (studies, checkpoints, cases, outputs as the import
 * wrote them) in one transaction: the baseline for the database's share on this machine. Then it
 * imports the folder a second time unchanged (nothing to write). Prints medians and min–max, the
 * ratio import ÷ bare COPY, the load average, and the peak RSS next to the RSS before (target:
 * the import ≤ 5 s on PostgreSQL). The load alone (parse and validate) is printed apart.
 *
 * The import includes the PHI scan of every case and output (issue 13; it runs before the
 * transaction). Each round also times the scan alone on the same definition, so the bench
 * prints the import with the scan, the scan, its share, and the import without it (the
 * difference). `BENCH_PHI_BEFORE=<file>` (a copy of another version's src/lib/domain/phi/rules.ts,
 * e.g. `git show <rev>:src/lib/domain/phi/rules.ts > /tmp/rules-before.ts`) times that version's
 * findIdentifiers against this one's on every scanned field, alternately, and checks they find
 * the same.
 *
 * Database: embedded PGlite in memory, or PostgreSQL when DATABASE_URL is set.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI } from '../../src/lib/server/auth/actors';
import { sql } from 'drizzle-orm';
import type { Db } from '../../src/lib/server/db';
import { copyIn, copyOut } from '../../src/lib/server/db/copy';
import { findIdentifiers } from '../../src/lib/domain/phi/rules';
import { scanStudy } from '../../src/lib/server/studies/checks';
import { importStudy, type ImportSummary } from '../../src/lib/server/studies/import';
import type { StudyDefinition } from '../../src/lib/server/studies/loader';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { CpuMeter } from '../support/cpu-time';
import { measure, mb, openBenchDatabase } from './support';

const CASES = Number(process.env.BENCH_CASES ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

function writeStudy(dir: string): void {
	const demo = 'studies/demo';
	const cases = fs
		.readFileSync(path.join(demo, 'cases.jsonl'), 'utf8')
		.split('\n')
		.filter(Boolean)
		.map((l) => JSON.parse(l) as { id: string });
	const outputs = (file: string) =>
		new Map(
			fs
				.readFileSync(path.join(demo, 'outputs', file), 'utf8')
				.split('\n')
				.filter(Boolean)
				.map((l) => JSON.parse(l) as { case_id: string; text: string })
				.map((o) => [o.case_id, o.text])
		);
	const base = outputs('base.jsonl');
	const tuned = outputs('finetuned.jsonl');
	fs.mkdirSync(path.join(dir, 'outputs'), { recursive: true });
	const lines = { cases: [] as string[], base: [] as string[], tuned: [] as string[] };
	for (let i = 0; i < CASES; i++) {
		const c = cases[i % cases.length]!;
		const id = `W-${String(i + 1).padStart(5, '0')}`;
		lines.cases.push(JSON.stringify({ ...c, id }));
		lines.base.push(JSON.stringify({ case_id: id, text: `${base.get(c.id)} (${id})` }));
		lines.tuned.push(JSON.stringify({ case_id: id, text: `${tuned.get(c.id)} (${id})` }));
	}
	fs.writeFileSync(path.join(dir, 'cases.jsonl'), lines.cases.join('\n') + '\n');
	fs.writeFileSync(path.join(dir, 'outputs', 'base.jsonl'), lines.base.join('\n') + '\n');
	fs.writeFileSync(path.join(dir, 'outputs', 'finetuned.jsonl'), lines.tuned.join('\n') + '\n');
	// The demo's study.yaml without its local (generated) checkpoint.
	const yaml = fs
		.readFileSync(path.join(demo, 'study.yaml'), 'utf8')
		.replace(/\n {2}- name: tiny-random[^\n]*\n[^\n]*manifest:[^\n]*/, '');
	fs.writeFileSync(path.join(dir, 'study.yaml'), yaml);
}

const STUDY_TABLES = ['studies', 'checkpoints', 'cases', 'outputs'];

/** The study's rows as COPY text, one file per table: what the bare COPY FROM loads. */
async function dumpStudy(db: Db, dir: string): Promise<void> {
	for (const table of STUDY_TABLES) {
		const out = fs.createWriteStream(path.join(dir, `${table}.copy`));
		for await (const chunk of copyOut(db, [`select * from ${table}`], 'format text'))
			if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
		await new Promise<void>((r) => out.end(() => r()));
	}
}

/** Empties the study tables (as before a first import). */
const empty = (db: Db) => db.execute(sql.raw(`truncate table studies, audit_log cascade`));

/** Bare COPY FROM of the dumped rows, 2 MB statements, in one transaction: the baseline. */
const bareCopyIn = (db: Db, dir: string) =>
	measure(() =>
		db.transaction(async (tx) => {
			for (const table of STUDY_TABLES) {
				let pending = '';
				for await (const chunk of fs.createReadStream(path.join(dir, `${table}.copy`), {
					encoding: 'utf8',
					highWaterMark: 2 * 1024 * 1024
				})) {
					pending += chunk;
					const cut = pending.lastIndexOf('\n') + 1;
					if (cut) await copyIn(tx, table, pending.slice(0, cut));
					pending = pending.slice(cut);
				}
			}
		})
	);

const median = (xs: number[]) => {
	const s = [...xs].sort((a, b) => a - b);
	return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const range = (xs: number[]) =>
	`median ${median(xs).toFixed(2)} s (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;

/** Every text the scan reads (case sources and references, imported letters), for BENCH_PHI_BEFORE. */
function scannedTexts(def: StudyDefinition): string[] {
	const texts: string[] = [];
	const walk = (v: unknown) => {
		if (typeof v === 'string') texts.push(v);
		else if (Array.isArray(v)) v.forEach(walk);
		else if (v && typeof v === 'object') Object.values(v).forEach(walk);
	};
	for (const { value } of def.cases) walk({ source: value.source, reference: value.reference });
	for (const cp of def.checkpoints) for (const { value } of cp.outputs ?? []) walk(value.text);
	return texts;
}

/** This version's findIdentifiers against another's on the same texts, alternately (seconds). */
async function comparePhi(def: StudyDefinition, file: string): Promise<void> {
	const before = (await import(path.resolve(file))) as { findIdentifiers: typeof findIdentifiers };
	const texts = scannedTexts(def);
	const run = (find: typeof findIdentifiers) => {
		const started = performance.now();
		const found = texts.map((t) => JSON.stringify(find(t)));
		return { seconds: (performance.now() - started) / 1000, found };
	};
	const now: number[] = [];
	const then: number[] = [];
	for (let i = 0; i < ROUNDS; i++) {
		const a = run(before.findIdentifiers);
		const b = run(findIdentifiers);
		if (a.found.some((f, j) => f !== b.found[j]))
			throw new Error('BENCH_PHI_BEFORE finds other spans than this version');
		then.push(a.seconds);
		now.push(b.seconds);
	}
	console.log(
		`PHI rules ${texts.length.toLocaleString('en')} fields: this version ${range(now)}, ${file} ${range(then)}; ratio ${(median(then) / median(now)).toFixed(2)} × faster, same spans`
	);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-bench-import-'));
const dir = path.join(work, 'wang');
writeStudy(dir);
const database = await openBenchDatabase();
console.log('blindeval import benchmark');
console.log(`machine   ${os.cpus().length} cores, Node ${process.version}, ${database.kind}`);
console.log(
	`date      ${new Date().toISOString()}, load average ${os
		.loadavg()
		.map((l) => l.toFixed(1))
		.join(' ')}`
);
try {
	const load = await measure(async () => loadStudy(dir));
	const def = load.result;
	console.log(
		`study     ${def.cases.length.toLocaleString('en')} cases, ${def.checkpoints.length} imported output sets, ${mb(fs.statSync(path.join(dir, 'cases.jsonl')).size + 2 * fs.statSync(path.join(dir, 'outputs', 'base.jsonl')).size)} of files`
	);
	console.log(
		`load      ${load.seconds.toFixed(2)} s (parse and validate); RSS ${mb(load.before)} → peak ${mb(load.peak)}`
	);
	// The study is loaded once (above, and as a baseline); each import below writes it into
	// emptied tables, alternating with a bare COPY FROM of the same rows (ROUNDS pairs).
	const imports: Awaited<ReturnType<typeof measure<ImportSummary>>>[] = [];
	const bares: Awaited<ReturnType<typeof bareCopyIn>>[] = [];
	const scans: Awaited<ReturnType<typeof measure<ReturnType<typeof scanStudy>>>>[] = [];
	// The scan is JavaScript on one thread: its CPU time is far steadier than its wall time.
	const scanCpu: number[] = [];
	// The import's CPU time, this process and (on PostgreSQL) its server backends: far steadier
	// than wall time on a loaded machine (though it grows there too). On an idle machine the wall
	// time would lie between the larger of the two and their sum, plus disk writes.
	const importCpu: { node: number; database: number }[] = [];
	const databaseMeter = new CpuMeter(async () =>
		database.kind === 'postgres'
			? (
					(await database.db.execute(
						sql`select pid from pg_stat_activity where datname = current_database()`
					)) as unknown as { pid: number }[]
				).map((r) => Number(r.pid))
			: []
	);
	for (let i = 0; i < ROUNDS; i++) {
		const cpu = process.cpuUsage();
		scans.push(await measure(async () => scanStudy(def)));
		const used = process.cpuUsage(cpu);
		scanCpu.push((used.user + used.system) / 1e6);
		await empty(database.db);
		await databaseMeter.start();
		const node = process.cpuUsage();
		imports.push(await measure(() => importStudy(database.db, CLI, def)));
		const nodeUsed = process.cpuUsage(node);
		importCpu.push({
			node: (nodeUsed.user + nodeUsed.system) / 1e6,
			database: (await databaseMeter.stop()) / 1000
		});
		if (i === 0) await dumpStudy(database.db, work);
		await empty(database.db);
		bares.push(await bareCopyIn(database.db, work));
	}
	await empty(database.db);
	const first = await measure(() => importStudy(database.db, CLI, def));
	const t = imports.map((m) => m.seconds);
	const tb = bares.map((m) => m.seconds);
	const ts = scans.map((m) => m.seconds);
	const peak = Math.max(...imports.map((m) => m.peak));
	console.log(
		`import    ${range(t)} into the database (load not included): ${first.result.cases.added} cases, ${first.result.outputs.added} outputs; RSS ${mb(imports[0]!.before)} → peak ${mb(peak)} (+${mb(peak - imports[0]!.before)})\n` +
			`bare COPY ${range(tb)} (the same rows, one transaction); ratio import ÷ bare COPY ${(median(t) / median(tb)).toFixed(2)}; load ${os.loadavg()[0]!.toFixed(1)}\n` +
			`PHI scan  ${range(ts)} alone, CPU ${range(scanCpu)} (${scans[0]!.result.length} findings), ${((100 * median(ts)) / median(t)).toFixed(0)} % of the import; import without it ≈ ${(median(t) - median(ts)).toFixed(2)} s`
	);
	const cpuOf = (pick: (c: { node: number; database: number }) => number) =>
		range(importCpu.map(pick));
	console.log(
		`import CPU this process ${cpuOf((c) => c.node)}${database.kind === 'postgres' ? `, PostgreSQL backends ${cpuOf((c) => c.database)}, sum ${cpuOf((c) => c.node + c.database)}` : ''} (scan included)`
	);
	if (process.env.BENCH_PHI_BEFORE) await comparePhi(def, process.env.BENCH_PHI_BEFORE);
	const again = await measure(() => importStudy(database.db, CLI, loadStudy(dir)));
	console.log(
		`re-import ${again.seconds.toFixed(2)} s unchanged, load included (${again.result.outputs.unchanged} outputs unchanged); RSS peak ${mb(again.peak)}`
	);
} finally {
	await database.close();
	fs.rmSync(work, { recursive: true, force: true });
}
