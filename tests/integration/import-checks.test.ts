/**
 * The import checks of issue 13 on both databases: the PHI scan stops a study import, a cases
 * upload and an outputs upload before anything is written, unless the coordinator confirms
 * (audited) or study.yaml declares the data de-identified; the leakage check finds the planted
 * leaks of studies/checks-demo, keeps them per checkpoint, and opening a round that rates them
 * needs an audited confirmation. Messages never carry the identifier itself.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/lib/errors';
import { CLI } from '../../src/lib/server/auth/actors';
import type { Database } from '../../src/lib/server/db';
import { auditLog, cases, checkpoints, studies } from '../../src/lib/server/db/schema';
import * as rounds from '../../src/lib/server/rounds';
import { PhiFindingsError, roundLeakage } from '../../src/lib/server/studies/checks';
import * as checkpointSetup from '../../src/lib/server/studies/checkpoints';
import * as setup from '../../src/lib/server/studies/setup';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { TEST_DATABASES } from '../support/databases';

const PLANTED = /Annegret|Bergmann|Ziegler/;

/** A copy of studies/checks-demo in a temporary folder, study.yaml changed by `edit`. */
function checksDemo(edit: (yaml: string) => string = (y) => y): string {
	const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-checks-')), 'checks');
	fs.cpSync('studies/checks-demo', dir, { recursive: true });
	const file = path.join(dir, 'study.yaml');
	fs.writeFileSync(file, edit(fs.readFileSync(file, 'utf8')));
	return dir;
}

describe.each(TEST_DATABASES)('import checks on $name', ({ create }) => {
	let database: Database;
	const audits = async (action: string) =>
		(await database.db.select().from(auditLog).where(eq(auditLog.action, action))).map(
			(r) => r.after as Record<string, unknown>
		);

	beforeAll(async () => {
		database = await create();
	});
	afterAll(async () => {
		await database?.close();
	});

	it('the demo study imports without a finding and without a checks audit row', async () => {
		await importStudy(database.db, CLI, loadStudy('studies/demo'));
		expect(await audits('study.import-checks')).toEqual([]);
	});

	it('stops the checks demo on its planted identifier, masked, and writes nothing', async () => {
		const def = loadStudy(checksDemo());
		const err = await importStudy(database.db, CLI, def).catch((e: unknown) => e);
		expect(err).toBeInstanceOf(PhiFindingsError);
		const findings = (err as PhiFindingsError).issues;
		expect(findings).toEqual([
			{
				file: 'studies/checks/cases.jsonl',
				line: 2,
				field: 'source.patient',
				message: 'possible name with a title at characters 1–30 ("•••• •••••••• ••••••••-•••••••")'
			}
		]);
		expect((err as Error).message).not.toMatch(PLANTED);
		expect(await database.db.select().from(studies).where(eq(studies.slug, 'checks'))).toEqual([]);
	});

	it('imports when confirmed, audits the confirmation and keeps the leakage per checkpoint', async () => {
		const { studyId } = await importStudy(database.db, CLI, loadStudy(checksDemo()), {
			confirmPhi: true
		});
		const [checks] = await audits('study.import-checks');
		expect(checks).toMatchObject({
			phi: { findings: 1, byKind: { name: 1 }, allowedBy: 'confirmed' },
			leakage: { 'llama3-8b-qlora-letters': { leakedCases: ['CHK-03', 'CHK-04'] } }
		});
		expect(JSON.stringify(checks)).not.toMatch(PLANTED);
		const cps = await database.db
			.select({ name: checkpoints.name, leakage: checkpoints.leakage })
			.from(checkpoints)
			.where(eq(checkpoints.studyId, studyId))
			.orderBy(checkpoints.name);
		expect(cps[0]).toEqual({ name: 'llama3-8b-instruct', leakage: null });
		expect(cps[1]!.leakage!.matches.map((m) => [m.caseId, m.by, m.line])).toEqual([
			['CHK-03', 'source', 3],
			['CHK-03', 'reference', 3],
			['CHK-04', 'id', 7]
		]);
	});

	it('the same files imported again (as generation does) need no new confirmation', async () => {
		await importStudy(database.db, CLI, loadStudy(checksDemo()));
		expect((await audits('study.import-checks')).at(-1)).toMatchObject({
			phi: { findings: 1, allowedBy: 'unchanged' }
		});
	});

	it('opening a round with leaked cases needs an audited confirmation', async () => {
		const [study] = await database.db.select().from(studies).where(eq(studies.slug, 'checks'));
		const round = await rounds.create(database.db, CLI, { studyId: study!.id, name: 'R1' });
		await rounds.addRater(database.db, CLI, round.id, { name: 'A' });
		const shown = await roundLeakage(database.db, round.id);
		expect(shown.map((r) => [r.checkpoint, r.leakedCases])).toEqual([
			['llama3-8b-instruct', []],
			['llama3-8b-qlora-letters', ['CHK-03', 'CHK-04']]
		]);
		const refused = await rounds
			.transition(database.db, CLI, round.id, 'open')
			.catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(ValidationError);
		expect((refused as ValidationError).issues).toEqual([
			{
				field: 'confirmLeakage',
				message: expect.stringContaining(
					'checkpoint "llama3-8b-qlora-letters" was trained on 2 of this round\'s cases (CHK-03, CHK-04'
				)
			}
		]);
		expect((await rounds.get(database.db, round.id)).status).toBe('draft');
		expect(await audits('round.leakage-confirm')).toEqual([]);

		const opened = await rounds.transition(database.db, CLI, round.id, 'open', {
			confirmLeakage: true
		});
		expect(opened.status).toBe('open');
		expect(await audits('round.leakage-confirm')).toEqual([
			{
				'llama3-8b-qlora-letters': {
					file: expect.stringMatching(/checks\/training\/finetune-train\.jsonl$/),
					leakedCases: ['CHK-03', 'CHK-04']
				}
			}
		]);
	});

	it('a round over the base checkpoint only opens without a confirmation', async () => {
		const [study] = await database.db.select().from(studies).where(eq(studies.slug, 'checks'));
		const round = await rounds.create(database.db, CLI, {
			studyId: study!.id,
			name: 'R2',
			checkpointNames: ['llama3-8b-instruct']
		});
		await rounds.addRater(database.db, CLI, round.id, { name: 'B' });
		expect((await rounds.transition(database.db, CLI, round.id, 'open')).status).toBe('open');
	});

	it('a study declared de-identified imports with its findings recorded', async () => {
		const dir = checksDemo((y) =>
			y.replace('deidentified: false', 'deidentified: true').replace(/^name: .*$/m, 'name: D')
		);
		fs.renameSync(dir, `${dir}-deid`);
		await importStudy(database.db, CLI, loadStudy(`${dir}-deid`));
		const all = await audits('study.import-checks');
		expect(all.at(-1)).toMatchObject({ phi: { findings: 1, allowedBy: 'deidentified' } });
	});

	it('an outputs upload with an identifier stops until confirmed; the institution pattern counts', async () => {
		const text = [
			{ case_id: 'CHK-01', text: 'Dear colleague, please call me: dr.albrecht@example-clinic.de' },
			{ case_id: 'CHK-02', text: 'Dear colleague, patient LH-2024-00017 is well.' }
		]
			.map((o) => JSON.stringify(o))
			.join('\n');
		const upload = { name: 'vllm.jsonl', bytes: new TextEncoder().encode(text) };
		const err = await checkpointSetup
			.uploadOutputs(database.db, CLI, 'checks', upload, 'vllm')
			.catch((e: unknown) => e);
		expect(err).toBeInstanceOf(PhiFindingsError);
		expect((err as PhiFindingsError).issues.map((i) => [i.line, i.field])).toEqual([
			[1, 'text'],
			[2, 'text']
		]);
		expect((err as Error).message).toContain('institution pattern "Lindenhof patient number"');
		expect((err as Error).message).not.toMatch(/albrecht|00017/);
		const names = async () =>
			(await database.db.select({ name: checkpoints.name }).from(checkpoints)).map((c) => c.name);
		expect(await names()).not.toContain('vllm');
		await checkpointSetup.uploadOutputs(database.db, CLI, 'checks', upload, 'vllm', true);
		expect(await names()).toContain('vllm');
		expect((await audits('study.import-checks')).at(-1)).toMatchObject({
			phi: { findings: 2, byKind: { email: 1, institution: 1 }, allowedBy: 'confirmed' }
		});
	});

	it('a manifest names its training data (a list of case ids), confined to the study or models', async () => {
		const dir = checksDemo((y) =>
			y.replace(
				'checkpoints:\n',
				'checkpoints:\n  - name: tiny-ft\n    manifest: manifests/tiny-ft.yaml\n'
			)
		);
		fs.mkdirSync(path.join(dir, 'manifests'));
		const manifest = (training: string) =>
			fs.writeFileSync(
				path.join(dir, 'manifests/tiny-ft.yaml'),
				`name: tiny-ft\nmodel: ${path.resolve('models/tiny-random.gguf')}\npromptTemplate: '{{diagnosis}}'\ntraining_data: ${training}\n`
			);
		manifest('../training/ids.txt');
		fs.writeFileSync(path.join(dir, 'training/ids.txt'), 'CHK-01\nOTHER-7\n');
		const { studyId } = await importStudy(database.db, CLI, loadStudy(dir), { confirmPhi: true });
		const [cp] = await database.db
			.select({ leakage: checkpoints.leakage })
			.from(checkpoints)
			.where(eq(checkpoints.studyId, studyId))
			.then((r) => r.filter((c) => c.leakage?.file.endsWith('ids.txt')));
		expect(cp!.leakage!.leakedCases).toEqual(['CHK-01']);

		manifest('/etc/hostname');
		expect(() => loadStudy(dir)).toThrow(
			/manifests\/tiny-ft\.yaml: field training_data: "\/etc\/hostname" is outside/
		);
		expect((await database.db.select().from(cases).where(eq(cases.studyId, studyId))).length).toBe(
			4
		);
	});

	it('the set-up page: a cases upload shows findings in its preview and saves them only when confirmed', async () => {
		await setup.create(database.db, CLI, { name: 'Browser', slug: 'browser', seed: 's' });
		const text = [
			{ id: 'B1', source: { dx: 'C61' }, reference: 'Herr Konrad Albers, geb. 03.04.1951' },
			{ id: 'B2', source: { dx: 'C50' } }
		]
			.map((c) => JSON.stringify(c))
			.join('\n');
		const upload = { name: 'cases.jsonl', bytes: new TextEncoder().encode(text) };
		const { digest, phi } = await setup.previewCasesFor(database.db, 'browser', upload);
		expect(phi).toEqual([
			'cases.jsonl, line 1: field reference: possible name with a title at characters 1–18 ("•••• •••••• ••••••")',
			'cases.jsonl, line 1: field reference: possible date of birth at characters 21–35 ("•••. ##.##.####")'
		]);
		await expect(setup.saveCases(database.db, CLI, 'browser', upload, digest)).rejects.toThrow(
			PhiFindingsError
		);
		const [study] = await database.db.select().from(studies).where(eq(studies.slug, 'browser'));
		expect(await database.db.select().from(cases).where(eq(cases.studyId, study!.id))).toEqual([]);
		await setup.saveCases(database.db, CLI, 'browser', upload, digest, true);
		expect((await audits('study.import-checks')).at(-1)).toMatchObject({
			phi: { findings: 2, byKind: { name: 1, 'birth-date': 1 }, allowedBy: 'confirmed' }
		});
	});

	it('the set-up page: a manifest from models/ with training data gets its leakage checked', async () => {
		const models = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-checks-models-'));
		fs.writeFileSync(path.join(models, 'ids.txt'), 'B2\n');
		fs.writeFileSync(
			path.join(models, 'ft.yaml'),
			`name: ft\nmodel: ${path.resolve('models/tiny-random.gguf')}\npromptTemplate: '{{dx}}'\ntraining_data: ids.txt\n`
		);
		await checkpointSetup.addLocal(database.db, CLI, 'browser', 'ft.yaml', models);
		const [cp] = await database.db.select().from(checkpoints).where(eq(checkpoints.name, 'ft'));
		expect(cp!.leakage!.leakedCases).toEqual(['B2']);
		expect((await audits('study.import-checks')).at(-1)).toMatchObject({
			leakage: { ft: { leakedCases: ['B2'] } }
		});
	});
});
