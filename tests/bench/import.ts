/**
 * Study import benchmark at the scale of Wang et al. (prints figures; asserts nothing). Run:
 * `npm run bench:import`.
 *
 * Writes a study folder of 10,000 cases (the demo's cases, repeated under new ids) with two
 * imported output sets of 10,000 letters each, then loads it (parse and validate the files) and
 * imports it into a fresh database (one transaction), and imports it a second time unchanged
 * (nothing to write). Prints time and the peak RSS next to the RSS before, on the database given
 * (target: the import ≤ 5 s on PostgreSQL). Baseline in the same run: the load alone, which any
 * import must do.
 *
 * Database: embedded PGlite in memory, or PostgreSQL when DATABASE_URL is set.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI } from '../../src/lib/server/auth/actors';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { measure, mb, openBenchDatabase } from './support';

const CASES = Number(process.env.BENCH_CASES ?? 10_000);

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

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-bench-import-'));
const dir = path.join(work, 'wang');
writeStudy(dir);
const database = await openBenchDatabase();
console.log('blindeval import benchmark');
console.log(`machine   ${os.cpus().length} cores, Node ${process.version}, ${database.kind}`);
console.log(`date      ${new Date().toISOString()}`);
try {
	const load = await measure(async () => loadStudy(dir));
	const def = load.result;
	console.log(
		`study     ${def.cases.length.toLocaleString('en')} cases, ${def.checkpoints.length} imported output sets, ${mb(fs.statSync(path.join(dir, 'cases.jsonl')).size + 2 * fs.statSync(path.join(dir, 'outputs', 'base.jsonl')).size)} of files`
	);
	console.log(
		`load      ${load.seconds.toFixed(2)} s (parse and validate); RSS ${mb(load.before)} → peak ${mb(load.peak)}`
	);
	const first = await measure(() => importStudy(database.db, CLI, loadStudy(dir)));
	console.log(
		`import    ${first.seconds.toFixed(2)} s (load included; into the database ${(first.seconds - load.seconds).toFixed(2)} s): ${first.result.cases.added} cases, ${first.result.outputs.added} outputs; RSS ${mb(first.before)} → peak ${mb(first.peak)} (+${mb(first.peak - first.before)})`
	);
	const again = await measure(() => importStudy(database.db, CLI, loadStudy(dir)));
	console.log(
		`re-import ${again.seconds.toFixed(2)} s unchanged (${again.result.outputs.unchanged} outputs unchanged); RSS peak ${mb(again.peak)}`
	);
} finally {
	await database.close();
	fs.rmSync(work, { recursive: true, force: true });
}
