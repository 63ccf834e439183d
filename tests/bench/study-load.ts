/**
 * Loading a 10,000-case study folder (cases as JSONL or CSV, two outputs files of 10,000 letters)
 * with the bounded, line-by-line loader, against a baseline in the same run: the same files read
 * whole and parsed with JSON.parse / csv-parse's sync API, as the loader did before. Each variant
 * runs in a process of its own so that its peak RSS is its own.
 *
 * npm run bench:study-load
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseCsv } from 'csv-parse/sync';
import { loadStudy } from '../../src/lib/server/studies/loader';

const CASES = 10_000;
const [mode, variant, dir] = process.argv.slice(2);

/** One variant in this process: prints `seconds peakMB`. */
function child(variant: string, dir: string) {
	const started = performance.now();
	const csv = variant.endsWith('csv');
	if (variant.startsWith('baseline')) {
		const read = (f: string) => fs.readFileSync(path.join(dir, csv ? 'csv' : 'jsonl', f), 'utf8');
		const jsonl = (f: string) =>
			read(f)
				.split('\n')
				.filter((l) => l.trim())
				.map((l) => JSON.parse(l) as unknown);
		const cases = csv ? parseCsv(read('cases.csv'), { trim: true }) : jsonl('cases.jsonl');
		const outputs = [jsonl('outputs/a.jsonl'), jsonl('outputs/b.jsonl')];
		if (cases.length < CASES || outputs[1]!.length !== CASES) throw new Error('short read');
	} else {
		const def = loadStudy(path.join(dir, csv ? 'csv' : 'jsonl'));
		if (def.cases.length !== CASES) throw new Error('short read');
	}
	const seconds = (performance.now() - started) / 1000;
	console.log(`${seconds.toFixed(2)} ${(process.resourceUsage().maxRSS / 1024).toFixed(0)}`);
}

function writeStudy(root: string) {
	const diagnosis = 'Adenocarcinoma of the prostate, Gleason 4+3, iPSA 12 ng/ml, cT2c cN0 cM0. ';
	const source = (i: number) => ({
		diagnosis: diagnosis.repeat(25),
		radiotherapy: { total_dose_gy: 60 + (i % 5), fractions: 20, plan: [{ ptv: 1 }, { ctv: 2 }] }
	});
	const lines = (f: (i: number) => string) =>
		Array.from({ length: CASES }, (_, i) => f(i)).join('\n') + '\n';
	fs.mkdirSync(path.join(root, 'outputs'), { recursive: true });
	fs.writeFileSync(
		path.join(root, 'cases.jsonl'),
		lines((i) => JSON.stringify({ id: `C${i}`, source: source(i) }))
	);
	fs.writeFileSync(
		path.join(root, 'cases.csv'),
		'id,diagnosis,radiotherapy.total_dose_gy\n' +
			lines((i) => `C${i},"${diagnosis.repeat(25)}\nsecond line",${60 + (i % 5)}`)
	);
	for (const name of ['a', 'b'])
		fs.writeFileSync(
			path.join(root, 'outputs', `${name}.jsonl`),
			lines((i) =>
				JSON.stringify({ case_id: `C${i}`, text: `Dear colleague, ${diagnosis.repeat(40)}` })
			)
		);
	for (const format of ['jsonl', 'csv']) {
		const dir = path.join(root, format);
		fs.mkdirSync(dir);
		// Hard links: regular files inside each study folder (a symbolic link out would be refused).
		fs.mkdirSync(path.join(dir, 'outputs'));
		for (const f of [`cases.${format}`, 'outputs/a.jsonl', 'outputs/b.jsonl'])
			fs.linkSync(path.join(root, f), path.join(dir, f));
		fs.writeFileSync(
			path.join(dir, 'study.yaml'),
			`name: Bench\nseed: 1\ncases: cases.${format}\ncheckpoints:\n` +
				'  - name: a\n    outputs: outputs/a.jsonl\n  - name: b\n    outputs: outputs/b.jsonl\n' +
				'form:\n  dimensions:\n    - key: o\n      label: O\n      anchors: [a, b, c, d]\n'
		);
	}
}

if (mode === 'child') child(variant!, dir!);
else {
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-bench-load-'));
	try {
		writeStudy(root);
		const size = (f: string) => `${(fs.statSync(path.join(root, f)).size / 2 ** 20).toFixed(1)} MB`;
		console.log(
			`${CASES} cases: cases.jsonl ${size('cases.jsonl')}, cases.csv ${size('cases.csv')}, ` +
				`2 outputs files of ${size('outputs/a.jsonl')}`
		);
		const self = fileURLToPath(import.meta.url);
		const run = (v: string) =>
			execFileSync(process.execPath, ['--import', 'tsx', self, 'child', v, root], {
				encoding: 'utf8'
			})
				.trim()
				.split(' ')
				.map(Number) as [number, number];
		console.log('variant'.padEnd(34), 'seconds', 'peak RSS');
		for (const format of ['jsonl', 'csv']) {
			const [bs, bm] = run(`baseline-${format}`);
			const [ls, lm] = run(`loader-${format}`);
			console.log(
				`baseline, read whole (${format})`.padEnd(34),
				bs.toFixed(2).padStart(7),
				`${bm} MB`
			);
			console.log(
				`loader, line by line (${format})`.padEnd(34),
				ls.toFixed(2).padStart(7),
				`${lm} MB`
			);
			console.log(
				`  loader / baseline`.padEnd(34),
				`${(ls / bs).toFixed(2)}×`.padStart(7),
				`${(lm / bm).toFixed(2)}×`
			);
		}
	} finally {
		fs.rmSync(root, { recursive: true, force: true });
	}
}
