/**
 * Multi-task studies (issue 14, point 4) on both databases: the fixture study with three tasks
 * (tests/fixtures/multitask-study) imports in one transaction, generates every task with its own
 * prompt on the tiny model, gets one round per rated task on that task's form, is rated, and
 * analyses and exports per task. Bad task declarations are refused with file, line and field.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/lib/errors';
import { CLI } from '../../src/lib/server/auth/actors';
import type { Database } from '../../src/lib/server/db';
import * as schema from '../../src/lib/server/db/schema';
import { extractionInputs } from '../../src/lib/server/extraction-check';
import { generateStudy } from '../../src/lib/server/generation/job';
import { studyMetricsCsv } from '../../src/lib/server/metric-exports';
import { importOutputsText } from '../../src/lib/server/outputs/import-file';
import * as rating from '../../src/lib/server/rating';
import { roundAnalysis } from '../../src/lib/server/round-analysis';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { studyFiles } from '../../src/lib/server/studies/study-folder';
import { TEST_DATABASES } from '../support/databases';
import { exportText } from '../support/export-text';
import { buildTinyModelOnce } from '../support/fixtures';
import { optOutForTest } from '../support/preregister';

const FIXTURE = path.resolve('tests/fixtures/multitask-study');

/** The fixture copied under `root`, its manifest pointing at the tiny model built for the tests. */
function copyFixture(root: string, tiny: string, slug = 'tasks'): string {
	const dir = path.join(root, 'studies', slug);
	fs.cpSync(FIXTURE, dir, { recursive: true });
	const manifest = path.join(dir, 'tiny.yaml');
	fs.writeFileSync(
		manifest,
		fs
			.readFileSync(manifest, 'utf8')
			.replace('model: tiny-random.gguf', `model: ${path.join(tiny, 'tiny-random.gguf')}`)
	);
	return dir;
}

async function outputsByTask(database: Database, checkpoint: string) {
	const rows = await database.db
		.select({ task: schema.outputs.task, status: schema.outputs.status, n: count() })
		.from(schema.outputs)
		.innerJoin(schema.checkpoints, eq(schema.checkpoints.id, schema.outputs.checkpointId))
		.where(eq(schema.checkpoints.name, checkpoint))
		.groupBy(schema.outputs.task, schema.outputs.status);
	return Object.fromEntries(rows.map((r) => [`${r.task}/${r.status}`, r.n]));
}

describe.each(TEST_DATABASES)('a multi-task study on $name', (target) => {
	let database: Database;
	let root: string;
	let dir: string;
	let studyId: string;

	beforeAll(async () => {
		database = await target.create();
		root = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-tasks-'));
		dir = copyFixture(root, await buildTinyModelOnce());
	});
	afterAll(async () => {
		await database?.close();
		if (root) fs.rmSync(root, { recursive: true, force: true });
	});

	it('imports every task: imported outputs by task, pending ones per task for local checkpoints', async () => {
		const summary = await importStudy(database.db, CLI, loadStudy(dir));
		studyId = summary.studyId;
		expect(summary.outputs).toEqual({ added: 12, updated: 0, unchanged: 0 });
		expect(await outputsByTask(database, 'base')).toEqual({
			'letter/done': 4,
			'regimen/done': 4,
			'modality/done': 4
		});
		expect(await outputsByTask(database, 'tiny')).toEqual({
			'letter/pending': 4,
			'regimen/pending': 4,
			'modality/pending': 4
		});
		const [study] = await database.db
			.select()
			.from(schema.studies)
			.where(eq(schema.studies.id, studyId));
		expect(study!.tasks!.map((t) => [t.key, t.reference, !!t.form])).toEqual([
			['letter', 'reference', true],
			['regimen', 'references.regimen', true],
			['modality', 'references.modality', false]
		]);
		expect(study!.form.dimensions.map((d) => d.key)).toEqual(['correctness', 'style']);
		const [c] = await database.db
			.select()
			.from(schema.cases)
			.where(eq(schema.cases.externalId, 'T-01'));
		expect(c!.references).toEqual({ regimen: '60 Gy in 20 fractions', modality: 'photon' });
		// Re-importing the same files changes nothing.
		const again = await importStudy(database.db, CLI, loadStudy(dir));
		expect(again.outputs).toEqual({ added: 0, updated: 0, unchanged: 12 });
		expect(again.cases).toEqual({ added: 0, updated: 0, unchanged: 4 });
	});

	it('refuses a new definition that drops a task the study has outputs of', async () => {
		const other = path.join(root, 'dropped');
		const changed = copyFixture(other, await buildTinyModelOnce());
		const yaml = path.join(changed, 'study.yaml');
		const text = fs.readFileSync(yaml, 'utf8');
		fs.writeFileSync(yaml, text.slice(0, text.indexOf('  - key: modality')));
		fs.writeFileSync(
			path.join(changed, 'outputs/base.jsonl'),
			fs
				.readFileSync(path.join(changed, 'outputs/base.jsonl'), 'utf8')
				.split('\n')
				.filter((l) => !l.includes('"modality"'))
				.join('\n')
		);
		const manifest = path.join(changed, 'tiny.yaml');
		fs.writeFileSync(
			manifest,
			fs.readFileSync(manifest, 'utf8').replace(/\n {2}modality: .*\n/, '\n')
		);
		await expect(importStudy(database.db, CLI, loadStudy(changed))).rejects.toThrow(
			/outputs of the task "modality", which it no longer declares/
		);
		expect(await outputsByTask(database, 'base')).toEqual({
			'letter/done': 4,
			'regimen/done': 4,
			'modality/done': 4
		});
	});

	it('refuses bad task declarations whole, naming file, line and field', async () => {
		const bad = copyFixture(root, await buildTinyModelOnce(), 'bad-tasks');
		const yaml = path.join(bad, 'study.yaml');
		fs.writeFileSync(
			yaml,
			fs.readFileSync(yaml, 'utf8').replace('  - key: regimen\n', '  - key: letter\n')
		);
		fs.appendFileSync(
			path.join(bad, 'outputs/base.jsonl'),
			'{"case_id":"T-01","task":"icd10","text":"C61"}\n'
		);
		const manifest = path.join(bad, 'tiny.yaml');
		fs.writeFileSync(
			manifest,
			fs.readFileSync(manifest, 'utf8').replace('  modality:', '  staging:')
		);
		let error: unknown;
		try {
			loadStudy(bad);
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(ValidationError);
		expect((error as ValidationError).issues).toEqual([
			expect.objectContaining({
				file: expect.stringMatching(/bad-tasks\/study\.yaml$/),
				line: 25,
				field: 'tasks.1.key',
				message: 'duplicate task key "letter" (first at tasks.0)'
			})
		]);
		// With the keys fixed, the outputs file and the manifest are checked against the tasks.
		fs.copyFileSync(path.join(FIXTURE, 'study.yaml'), yaml);
		try {
			loadStudy(bad);
		} catch (e) {
			error = e;
		}
		expect((error as ValidationError).issues).toEqual(
			expect.arrayContaining([
				expect.objectContaining({
					file: expect.stringMatching(/outputs\/base\.jsonl$/),
					line: 13,
					field: 'task',
					message: 'unknown task "icd10" (the study has letter, regimen, modality)'
				}),
				expect.objectContaining({
					file: expect.stringMatching(/tiny\.yaml$/),
					line: 9,
					field: 'prompts.staging'
				})
			])
		);
		const [row] = await database.db
			.select({ n: count() })
			.from(schema.studies)
			.where(eq(schema.studies.slug, 'bad-tasks'));
		expect(row!.n).toBe(0);
	});

	it('generates each task with its own prompt on the tiny model', async () => {
		expect(await generateStudy(database.db, CLI, loadStudy(dir))).toEqual({
			done: 12,
			errors: 0,
			cancelled: false
		});
		const rows = await database.db
			.select({ task: schema.outputs.task, provenance: schema.outputs.provenance })
			.from(schema.outputs)
			.innerJoin(schema.checkpoints, eq(schema.checkpoints.id, schema.outputs.checkpointId))
			.innerJoin(schema.cases, eq(schema.cases.id, schema.outputs.caseId))
			.where(and(eq(schema.checkpoints.name, 'tiny'), eq(schema.cases.externalId, 'T-02')));
		const prompt = (task: string) =>
			String(rows.find((r) => r.task === task)!.provenance!.renderedPrompt);
		expect(prompt('letter')).toContain('Letter for T-02: Medulloblastoma, n/a');
		expect(prompt('regimen')).toContain('Regimen for T-02: Medulloblastoma');
		expect(prompt('modality')).toContain('Modality for T-02: Medulloblastoma');
	});

	it('rates one round per task on its own form, then analyses and exports it per task', async () => {
		await expect(
			rounds.create(database.db, CLI, { studyId, name: 'Modality', task: 'modality' })
		).rejects.toThrow(/task "modality" has no rating form/);
		await expect(
			rounds.create(database.db, CLI, { studyId, name: 'X', task: 'staging' })
		).rejects.toThrow(/no task "staging"/);
		const scored = new Map<string, number>();
		const made: Record<string, string> = {};
		for (const task of ['letter', 'regimen']) {
			const round = await rounds.create(database.db, CLI, {
				studyId,
				name: `Round ${task}`,
				task,
				seed: task
			});
			made[task] = round.id;
			expect(round.task).toBe(task);
			await rounds.transition(database.db, CLI, round.id, 'open');
			const link = await rounds.addRater(database.db, CLI, round.id, { name: `Dr ${task}` });
			const rater = (await rating.raterFromToken(database.db, link.token))!;
			const order = (await rating.currentRound(database.db, rater))!;
			expect(order.total).toBe(8); // 4 cases × 2 checkpoints, this task's outputs only
			for (const slot of order.slots) {
				const view = await rating.item(database.db, rater, slot.code);
				expect(view.form.dimensions.map((d) => d.key)).toEqual(
					task === 'letter' ? ['correctness', 'style'] : ['regimen']
				);
				for (const d of view.form.dimensions) {
					const score = (slot.position % 4) + 1;
					await rating.saveScore(database.db, rater, slot.code, d.key, score);
					scored.set(`${task}/${slot.code}/${d.key}`, score);
				}
			}
			await rounds.transition(database.db, CLI, round.id, 'locked');
			await optOutForTest(database.db, round.id);
			await rounds.transition(database.db, CLI, round.id, 'unblinded');
		}
		expect(scored.size).toBe(8 * 2 + 8);

		// The regimen round's export holds only its own dimension; ROUGE uses the regimen reference.
		const long = await exportText(database, made.regimen!, 'long');
		const lines = long.trim().split('\r\n');
		expect(lines).toHaveLength(1 + 8);
		expect(lines.slice(1).every((l) => l.includes(',regimen,'))).toBe(true);
		const { analysis } = await roundAnalysis(database.db, CLI, made.regimen!);
		const base = analysis.rouge.find((r) => r.checkpoint === 'base')!;
		expect(base.n).toBe(4);
		// Against the regimen references: two equal (F 1), "54 Gy in 30 fractions" against "36 Gy
		// in 20 fractions then boost" (3 of 5 and 3 of 7 words: F 1/2), "50 Gy in 25 fractions"
		// against "45 Gy in 25 fractions plus 28 Gy HDR" (4 of 5 and 4 of 9: F 4/7).
		expect(base.scores.rouge1.fmeasure.mean).toBeCloseTo((1 + 1 / 2 + 1 + 4 / 7) / 4, 12);

		// The study's metrics: a task column, each task scored on its own metrics and reference.
		const csv = await studyMetricsCsv(database.db, studyId);
		const rows = csv.trim().split('\r\n');
		expect(rows[0]).toBe('task,case_id,checkpoint,metric,value,label');
		expect(rows).toContain('regimen,T-01,base,rouge1_fmeasure,1,');
		expect(rows).toContain('modality,T-02,base,modality_correct,1,proton'); // the task's "PBT"
		expect(rows).toContain('modality,T-03,base,modality_correct,0,electron');
		expect(rows.some((r) => r.startsWith('regimen,') && r.includes('modality_correct'))).toBe(
			false
		);
		expect(rows.some((r) => r.startsWith('letter,T-01,base,icd10_correct,1,C61'))).toBe(true);

		// The extraction check looks only at outputs of tasks scored on labels.
		const inputs = await extractionInputs(database.db, CLI, 'tasks', null);
		expect(inputs).toHaveLength(2 * 4 + 2 * 4); // letter (icd10) and modality, 2 checkpoints
	});

	it('exports the study folder with its tasks, and the folder imports as the same study', async () => {
		const out = path.join(root, 'studies', 'tasks-copy');
		const files = await studyFiles(database.db, 'tasks', out);
		const byPath = new Map(files.map((f) => [f.path, f.text]));
		expect(byPath.get('study.yaml')).toMatch(/\ntasks:\n/);
		expect(byPath.get('study.yaml')).not.toMatch(/\nform:/);
		expect(byPath.get('outputs/base.jsonl')).toContain('"task":"regimen"');
		expect(byPath.get('cases.jsonl')).toContain('"references":{"regimen":"60 Gy in 20 fractions"');
		for (const f of files) {
			fs.mkdirSync(path.dirname(path.join(out, f.path)), { recursive: true });
			fs.writeFileSync(path.join(out, f.path), f.text);
		}
		const copy = await importStudy(database.db, CLI, loadStudy(out));
		expect(copy.outputs.added).toBe(12);
		expect(copy.cases.added).toBe(4);
	});

	it('imports an outputs file per task into the study', async () => {
		const lines = ['letter', 'regimen', 'modality']
			.flatMap((task) =>
				['T-01', 'T-02', 'T-03', 'T-04'].map((c) =>
					JSON.stringify({ case_id: c, checkpoint: 'other', task, text: `${task} of ${c}` })
				)
			)
			.join('\n');
		const summary = await importOutputsText(database.db, CLI, 'tasks', lines, 'other.jsonl');
		expect(summary.outputs.added).toBe(12);
		await expect(
			importOutputsText(
				database.db,
				CLI,
				'tasks',
				'{"case_id":"T-01","checkpoint":"more","text":"x"}',
				'more.jsonl'
			)
		).rejects.toThrow(/task: is required/);
	});
});
