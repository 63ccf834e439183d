/**
 * Study setup as the browser does it (services only): create, upload cases, edit the form, add
 * checkpoints, export the folder; broken uploads write nothing (no row, no audit row), and the
 * exported folder imports into a fresh database as the same study.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { asc, count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_UPLOAD_BYTES } from '../../src/lib/domain/upload-limits';
import { ConflictError, ValidationError } from '../../src/lib/errors';
import { CLI } from '../../src/lib/server/auth/actors';
import type { Database, Db } from '../../src/lib/server/db';
import * as schema from '../../src/lib/server/db/schema';
import * as rounds from '../../src/lib/server/rounds';
import * as checkpointSetup from '../../src/lib/server/studies/checkpoints';
import { prepareGeneration } from '../../src/lib/server/generation/job';
import {
	folderForGeneration,
	studyArchive,
	writeStudyFolder
} from '../../src/lib/server/studies/study-folder';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import * as setup from '../../src/lib/server/studies/setup';
import { TEST_DATABASES } from '../support/databases';
import { buildTinyModelOnce } from '../support/fixtures';

const enc = (s: string) => new TextEncoder().encode(s);
const upload = (name: string, content: string | Uint8Array) => ({
	name,
	bytes: typeof content === 'string' ? enc(content) : content
});
const CSV = [
	'id,diagnosis,tnm,radiotherapy.modality,radiotherapy.total_dose_gy,radiotherapy.fractions,reference,gold_modality,gold_icd10',
	'S1,Prostate adenocarcinoma,cT2b cN0,photon,60,20,"Dear Dr. A,\nletter.",photon,C61',
	'S2,Breast cancer left,pT1c pN0,photon,40.05,15,,photon,C50.4',
	'S3,NSCLC,cT1b cN0,photon,55,5,,,'
].join('\n');

const TABLES = ['studies', 'cases', 'checkpoints', 'outputs', 'auditLog'] as const;

async function rowCounts(db: Db) {
	const out = {} as Record<(typeof TABLES)[number], number>;
	for (const t of TABLES) {
		const [row] = await db.select({ n: count() }).from(schema[t]);
		out[t] = Number(row!.n);
	}
	return out;
}

async function issuesOf(p: Promise<unknown>) {
	const e = await p.then(
		() => null,
		(err: unknown) => err
	);
	expect(e).toBeInstanceOf(ValidationError);
	return (e as ValidationError).issues;
}

describe.each(TEST_DATABASES)('study setup in the browser on $name', ({ create }) => {
	let database: Database;
	let db: Db;
	let root: string;
	let tiny: string;
	beforeAll(async () => {
		database = await create();
		db = database.db;
		root = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-setup-'));
		tiny = await buildTinyModelOnce();
	});
	afterAll(async () => {
		await database?.close();
		if (root) fs.rmSync(root, { recursive: true, force: true });
	});

	it('creates an empty study with the default form, and refuses bad or taken slugs', async () => {
		const study = await setup.create(db, CLI, {
			name: 'Lung letters',
			slug: 'lung',
			description: 'From the browser',
			seed: 'abc123'
		});
		expect(study.form.dimensions.map((d) => d.key)).toContain('clinical_benefit');
		expect(study.sourceDir).toBeNull();
		const before = await rowCounts(db);
		const issues = await issuesOf(setup.create(db, CLI, { name: '', slug: 'Bad Slug', seed: 'x' }));
		expect(issues.map((i) => i.field).sort()).toEqual(['name', 'slug']);
		await expect(
			setup.create(db, CLI, { name: 'Again', slug: 'lung', seed: 'x' })
		).rejects.toBeInstanceOf(ConflictError);
		expect(await rowCounts(db)).toEqual(before);
	});

	const broken: [string, string | Uint8Array, RegExp][] = [
		['no id column', 'case,diagnosis\nS1,A\n', /line 1: has no "id" column/],
		['duplicate ids', 'id,diagnosis\nS1,A\nS1,B\n', /line 3: field id: duplicate case id "S1"/],
		[
			'bad encoding',
			Uint8Array.from([...enc('id,diagnosis\nS1,Pr'), 0xf6, 0x0a]),
			/line 2: is not valid UTF-8 \(byte 18\)/
		],
		['an empty file', '', /is empty/],
		['a header only', 'id,diagnosis\n', /has no cases/],
		['too many cells', 'id,diagnosis\nS1,A,extra\n', /line 2: has 3 cells/]
	];
	it.each(broken)('refuses a cases file with %s and writes nothing', async (_, content, re) => {
		const file = upload('cases.csv', content);
		const before = await rowCounts(db);
		await expect(() => setup.previewCasesUpload(file)).toThrow(re);
		const digest = setup.digestOf(file.bytes);
		await expect(setup.saveCases(db, CLI, 'lung', file, digest)).rejects.toThrow(re);
		expect(await rowCounts(db)).toEqual(before);
	});

	it('refuses files over 20 MB, just over and 50 MB (built here, not committed), writing nothing', async () => {
		const before = await rowCounts(db);
		for (const [size, shown] of [
			[MAX_UPLOAD_BYTES + 10, '20.0'],
			[50 * 1024 * 1024, '50.0']
		] as const) {
			const big = new Uint8Array(size).fill(0x41);
			const re = new RegExp(
				`big\\.csv: is ${shown.replace('.', '\\.')} MB; files may be at most 20\\.0 MB`
			);
			expect(() => setup.previewCasesUpload(upload('big.csv', big))).toThrow(re);
			await expect(
				setup.saveCases(db, CLI, 'lung', upload('big.csv', big), setup.digestOf(big))
			).rejects.toThrow(re);
		}
		expect(await rowCounts(db)).toEqual(before);
	});

	it('saves only the file that was previewed, every case in one go', async () => {
		const file = upload('cases.csv', CSV);
		const { digest, preview } = setup.previewCasesUpload(file);
		expect(preview.count).toBe(3);
		expect(preview.rows[0]!.slice(0, 3)).toEqual(['S1', '', 'Prostate adenocarcinoma']);
		const before = await rowCounts(db);
		const edited = upload('cases.csv', CSV.replace('S3', 'S9'));
		await expect(setup.saveCases(db, CLI, 'lung', edited, digest)).rejects.toThrow(
			/not the file that was previewed/
		);
		expect(await rowCounts(db)).toEqual(before);

		expect(await setup.saveCases(db, CLI, 'lung', file, digest)).toEqual({
			added: 3,
			updated: 0,
			unchanged: 0,
			removed: 0
		});
		const after = await rowCounts(db);
		expect(after).toEqual({ ...before, cases: before.cases + 3, auditLog: before.auditLog + 1 });
		const rows = await db.select().from(schema.cases).orderBy(asc(schema.cases.position));
		expect(rows[0]).toMatchObject({
			externalId: 'S1',
			reference: 'Dear Dr. A,\nletter.',
			goldIcd10: 'C61',
			source: { radiotherapy: { total_dose_gy: '60' } }
		});
	});

	it('replaces cases by a corrected file (removed ones go), JSONL as well', async () => {
		const jsonl = [
			{ id: 'S1', source: { diagnosis: 'Prostate adenocarcinoma', tnm: 'cT2b cN0' } },
			{ id: 'S2', source: { diagnosis: 'Breast cancer left', tnm: 'pT1c pN0' } }
		]
			.map((o) => JSON.stringify(o))
			.join('\n');
		const file = upload('cases.jsonl', jsonl);
		await setup.saveCases(db, CLI, 'lung', file, setup.digestOf(file.bytes));
		expect((await rowCounts(db)).cases).toBe(2);
		const again = upload('cases.csv', CSV);
		const summary = await setup.saveCases(db, CLI, 'lung', again, setup.digestOf(again.bytes));
		expect(summary).toMatchObject({ added: 1, updated: 2, removed: 0 });
	});

	it('validates the form by field and saves a valid one with its audit row', async () => {
		const study = await setupStudy(db);
		const form = {
			dimensions: [
				{ key: 'accuracy', label: 'Accuracy', question: 'Right?', anchors: ['a', 'b', 'c', 'd'] },
				{ key: 'style', label: 'Style', question: '', anchors: ['1', '2', '3', '4'] }
			]
		};
		const before = await rowCounts(db);
		const issues = await issuesOf(
			setup.saveForm(db, CLI, 'lung', {
				dimensions: [
					{ ...form.dimensions[0], key: 'Bad Key' },
					{ ...form.dimensions[1], anchors: ['1', '2', '3'] },
					form.dimensions[1]
				]
			})
		);
		expect(issues.map((i) => i.field)).toEqual([
			'dimensions.0.key',
			'dimensions.1.anchors',
			'dimensions.2.key'
		]);
		expect(await rowCounts(db)).toEqual(before);
		await setup.saveForm(db, CLI, 'lung', form);
		expect((await setupStudy(db)).form).toEqual(form);
		expect(study.form).not.toEqual(form);
		expect((await rowCounts(db)).auditLog).toBe(before.auditLog + 1);
	});

	it('adds a local checkpoint from a manifest and imports an uploaded outputs file', async () => {
		expect(checkpointSetup.listManifests(tiny).map((m) => [m.file, m.problems])).toContainEqual([
			'tiny-random.yaml',
			[]
		]);
		const added = await checkpointSetup.addLocal(db, CLI, 'lung', 'tiny-random.yaml', tiny);
		expect(added).toEqual({ name: 'tiny-random', warnings: [] });
		expect((await rowCounts(db)).outputs).toBe(3);

		const before = await rowCounts(db);
		const bad = [
			JSON.stringify({ case_id: 'S1', text: 'Dear Dr. A' }),
			JSON.stringify({ case_id: 'S7', text: 'Dear' }),
			JSON.stringify({ case_id: 'S2', text: '  ' })
		].join('\n');
		const issues = await issuesOf(
			checkpointSetup.uploadOutputs(db, CLI, 'lung', upload('vllm.jsonl', bad), 'mistral-lora')
		);
		expect(issues.map((i) => [i.line, i.field])).toEqual([
			[2, 'case_id'],
			[3, 'text']
		]);
		expect(await rowCounts(db)).toEqual(before);

		const good = ['S1', 'S2', 'S3']
			.map((id) =>
				JSON.stringify({
					case_id: id,
					text: `Dear colleague, ${id}.`,
					provenance: { engine: 'vllm' }
				})
			)
			.join('\n');
		const s = await checkpointSetup.uploadOutputs(
			db,
			CLI,
			'lung',
			upload('vllm.jsonl', good),
			'mistral-lora'
		);
		expect(s.outputs.added).toBe(3);
	});

	it('exports a folder that imports into a fresh database as the same study', async () => {
		const dir = path.join(root, 'export', 'lung');
		await writeStudyFolder(db, 'lung', dir);
		await expect(writeStudyFolder(db, 'lung', dir)).rejects.toThrow(/exists already/);
		const fresh = await create();
		try {
			await importStudy(fresh.db, CLI, loadStudy(dir));
			expect(await snapshot(fresh.db)).toEqual(await snapshot(db));
		} finally {
			await fresh.close();
		}
		// The same folder re-imported over the browser-made study changes no output.
		const again = await importStudy(db, CLI, loadStudy(dir));
		expect(again.cases).toEqual({ added: 0, updated: 0, unchanged: 3 });
		expect(again.outputs).toEqual({ added: 0, updated: 0, unchanged: 3 });

		const tar = await studyArchive(db, 'lung');
		expect(tar.length % 512).toBe(0);
		expect(new TextDecoder().decode(tar.slice(0, 100))).toMatch(/^lung\/study\.yaml\0/);
		expect(new TextDecoder().decode(tar.slice(257, 262))).toBe('ustar');
	});

	it('refuses form changes once a round is open and case changes once a round exists', async () => {
		const study = await setupStudy(db);
		const round = await rounds.create(db, CLI, {
			studyId: study.id,
			name: 'R1',
			checkpointNames: ['mistral-lora']
		});
		const file = upload('cases.csv', CSV);
		await expect(
			setup.saveCases(db, CLI, 'lung', file, setup.digestOf(file.bytes))
		).rejects.toBeInstanceOf(ConflictError);
		await rounds.transition(db, CLI, round.id, 'open');
		expect(await setup.formEditable(db, study.id)).toBe(false);
		await expect(setup.saveForm(db, CLI, 'lung', study.form)).rejects.toThrow(
			/only while no round has been opened/
		);
	});

	it('generates a browser-made study from the folder written for it', async () => {
		process.env.BLINDEVAL_DATA_DIR = path.join(root, 'data');
		try {
			const study = await setupStudy(db);
			const dir = await folderForGeneration(db, { ...study, sourceDir: null });
			expect(dir).toBe(path.join(root, 'data', 'study-folders', 'lung'));
			const prepared = await prepareGeneration(db, CLI, loadStudy(dir), {
				checkpoint: 'tiny-random'
			});
			expect(await prepared.run()).toMatchObject({ done: 3, errors: 0 });
			// Written again from the database each time, so later edits are followed.
			expect(await folderForGeneration(db, await setupStudy(db))).toBe(dir);
		} finally {
			delete process.env.BLINDEVAL_DATA_DIR;
		}
	});
});

async function setupStudy(db: Db) {
	const [study] = await db.select().from(schema.studies);
	return study!;
}

/** What the study is, independent of ids, paths and times. */
async function snapshot(db: Db) {
	const [study] = await db.select().from(schema.studies);
	const cases = await db.select().from(schema.cases).orderBy(asc(schema.cases.position));
	const cps = await db.select().from(schema.checkpoints).orderBy(asc(schema.checkpoints.name));
	const outs = await db.select().from(schema.outputs);
	const caseOf = new Map(cases.map((c) => [c.id, c.externalId]));
	const cpOf = new Map(cps.map((c) => [c.id, c.name]));
	return {
		study: {
			name: study!.name,
			description: study!.description,
			seed: study!.seed,
			form: study!.form
		},
		cases: cases.map((c) => [c.externalId, c.source, c.reference, c.goldModality, c.goldIcd10]),
		checkpoints: cps.map((c) => {
			const { model: _m, adapters: _a, ...manifest } = c.manifest ?? {};
			return [c.name, c.kind, manifest];
		}),
		outputs: outs
			.map((o) => [
				cpOf.get(o.checkpointId),
				caseOf.get(o.caseId),
				o.status,
				o.rawText,
				o.text,
				o.provenance
			])
			.sort(
				(a, b) =>
					String(a[0]).localeCompare(String(b[0])) || String(a[1]).localeCompare(String(b[1]))
			)
	};
}
