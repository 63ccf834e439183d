/**
 * `npm run cli -- extraction` on both databases, as a coordinator tunes the rules before
 * unblinding: every output under its blinded code with its labels and the pooled hit rates, no
 * checkpoint named anywhere; a rule added to study.yaml changes a demo letter's result at once
 * (no import needed); a bad regular expression is reported with its file, line and field.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractModality } from '../../src/lib/analysis/label-extraction';
import { CLI } from '../../src/lib/server/auth/actors';
import * as schema from '../../src/lib/server/db/schema';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { TEST_DATABASES, type SharedDatabase } from '../support/databases';
import { copyDemoStudy } from '../support/fixtures';
import { runCli } from '../support/gen-study';

const jsonl = (file: string) =>
	fs
		.readFileSync(file, 'utf8')
		.split('\n')
		.filter((l) => l.trim())
		.map((l) => JSON.parse(l) as Record<string, unknown>);

/** Modality hits over the round's outputs, computed here from the demo files with the defaults. */
function demoModalityHits(): number {
	const gold = new Map(
		jsonl('studies/demo/cases.jsonl').map((c) => [c.id, (c.gold as { modality: string }).modality])
	);
	return ['base', 'finetuned']
		.flatMap((f) => jsonl(`studies/demo/outputs/${f}.jsonl`))
		.filter((o) => extractModality(o.text as string) === gold.get(o.case_id)).length;
}

/** The demo study in a folder of its own, without the local checkpoint, with `extraction` added. */
function studyWithRules(root: string, label: string, extraction: string): string {
	return copyDemoStudy(root, label, {
		mutate: (files) => {
			files['study.yaml'] = files['study.yaml']!.replace(
				/\n {2}- name: tiny-random\n {4}manifest: [^\n]+/,
				''
			).replace('analysis:\n  aggregate: mean\n', `analysis:\n  aggregate: mean\n${extraction}`);
		}
	});
}

describe.each(TEST_DATABASES)('extraction command on $name', ({ createShared }) => {
	let shared: SharedDatabase;
	let work: string;
	let secrets: string[];
	const extraction = (...args: string[]) => runCli(['extraction', ...args], shared.env);

	beforeAll(async () => {
		work = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-extraction-cli-'));
		shared = await createShared();
		const d = await shared.open();
		try {
			const { studyId } = await importStudy(d.db, CLI, loadStudy('studies/demo'));
			await rounds.create(d.db, CLI, {
				studyId,
				name: 'R1',
				checkpointNames: ['llama3-8b-instruct', 'llama3-8b-qlora-letters']
			});
			const cps = await d.db
				.select()
				.from(schema.checkpoints)
				.where(eq(schema.checkpoints.studyId, studyId));
			secrets = cps.flatMap((c) =>
				[c.id, c.name, c.manifestPath, c.outputsPath, 'llama3', 'qlora', 'finetuned'].filter(
					(s): s is string => !!s
				)
			);
		} finally {
			await d.close();
		}
	});
	afterAll(async () => {
		await shared?.drop();
		fs.rmSync(work, { recursive: true, force: true });
	});

	it('lists every output by blinded code with its labels and the hit rates, naming no checkpoint', async () => {
		const run = await extraction('demo', '--round', 'R1');
		expect(run.code, run.stderr).toBe(0);
		for (const s of secrets) expect(run.stdout).not.toContain(s);
		const rows = run.stdout.split('\n').filter((l) => / DEMO-\d\d /.test(l));
		expect(rows).toHaveLength(28);
		// Every row starts with an item code, and rows come sorted by it.
		const codes = rows.map((l) => l.split(/\s+/)[0]!);
		expect(codes).toEqual([...codes].sort());
		expect(new Set(codes).size).toBe(28);
		const hits = demoModalityHits();
		expect(rows.filter((l) => / → \S+ ✓ {2,}/.test(l))).toHaveLength(hits);
		expect(run.stdout).toContain(`modality         ${hits} of 28 (`);
		expect(run.stdout).toContain('Rules: the built-in defaults.');
	});

	it('applies a rule added to study.yaml to the letters at once, without an import', async () => {
		const dir = studyWithRules(
			work,
			'rules',
			'  extraction:\n    modality:\n      languages:\n        en:\n          photon:\n' +
				"            synonyms: ['deep-inspiration breath hold']\n"
		);
		const before = await extraction('demo', '--round', 'R1');
		const after = await extraction(dir, '--round', 'R1');
		expect(after.code, after.stderr).toBe(0);
		const line = (out: string, caseId: string) =>
			out.split('\n').filter((l) => l.includes(` ${caseId} `));
		// The base model's DEMO-02 letter names its technique, not the modality.
		expect(
			line(before.stdout, 'DEMO-02').filter((l) => l.includes('photon → none ✗'))
		).toHaveLength(1);
		expect(line(after.stdout, 'DEMO-02').every((l) => l.includes('photon → photon ✓'))).toBe(true);
		expect(after.stdout).toContain(`modality         ${demoModalityHits() + 1} of 28 (`);
		expect(after.stdout).toContain(`Rules: the study's (${path.join(dir, 'study.yaml')})`);
		for (const s of secrets) expect(after.stdout).not.toContain(s);
	});

	it('reports a bad regular expression with its file, line and field', async () => {
		const dir = studyWithRules(
			work,
			'bad',
			"  extraction:\n    icd10:\n      markers: ['Diagnose(schlüssel']\n"
		);
		const yaml = fs.readFileSync(path.join(dir, 'study.yaml'), 'utf8').split('\n');
		const line = yaml.findIndex((l) => l.includes('Diagnose(')) + 1;
		const run = await extraction(dir);
		expect(run.code).toBe(1);
		expect(run.stderr).toContain(
			`study.yaml, line ${line}: field analysis.extraction.icd10.markers.0: is not a valid regular expression`
		);
		expect(run.stderr).not.toContain('    at ');
		expect((await extraction('demo', '--round', 'No such round')).stderr).toContain(
			'no round "No such round" in study "demo"'
		);
	});
});
