/**
 * Study files stay in their place, with bounds (issue 18, point 5): paths out of the study
 * folder (absolute, ../, a symbolic link), a device, a folder, over-limit files, JSON nested too
 * deep or with a repeated key, and a YAML alias bomb are each refused with the file, line and
 * field, without writing anything and without quoting the foreign file. Browser uploads share
 * the parsers and the limits.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { count, eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError, type Issue } from '../../src/lib/errors';
import { CLI } from '../../src/lib/server/auth/actors';
import { readConfig } from '../../src/lib/server/config';
import type { Database } from '../../src/lib/server/db';
import { cases, studies } from '../../src/lib/server/db/schema';
import * as checkpointSetup from '../../src/lib/server/studies/checkpoints';
import * as setup from '../../src/lib/server/studies/setup';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy, type LoadOptions } from '../../src/lib/server/studies/loader';
import { TEST_DATABASES } from '../support/databases';

/** What every file outside the study holds: no message may ever show it. */
const MARKER = 'Foreign-Patient-Erika-Mustermann';
const CASES = '{"id":"P1","source":{"dx":"Prostate"}}\n{"id":"P2","source":{"dx":"Breast"}}\n';
const OUTPUTS = '{"case_id":"P1","text":"Dear Dr. A"}\n{"case_id":"P2","text":"Dear Dr. B"}\n';
const FORM = `form:
  dimensions:
    - key: overall
      label: Overall
      anchors: [bad, poor, good, excellent]
`;

interface StudyOptions {
	cases?: string;
	outputs?: string;
	/** A local checkpoint "local" with this manifest path. */
	manifest?: string;
	/** Files to write (relative to the study folder) instead of the defaults. */
	files?: Record<string, string>;
	/** Text added at the end of study.yaml. */
	extra?: string;
}

const nested = (levels: number) => '{"a":'.repeat(levels) + '"x"' + '}'.repeat(levels);
const issuesOf = (e: unknown) => {
	if (!(e instanceof ValidationError)) throw e;
	return e.issues;
};

describe.each(TEST_DATABASES)('study files on $name', ({ create }) => {
	let database: Database;
	let root: string;
	let foreign: string;
	let n = 0;

	beforeAll(async () => {
		database = await create();
		root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-files-')));
		foreign = path.join(root, 'elsewhere');
		fs.mkdirSync(foreign);
		fs.writeFileSync(path.join(foreign, 'cases.csv'), `id,dx\nP1,${MARKER}\n`);
		fs.writeFileSync(path.join(foreign, 'cases.jsonl'), `{"id":"P1","source":"${MARKER}"}\n`);
		fs.writeFileSync(path.join(foreign, 'weights.gguf'), MARKER);
		fs.writeFileSync(path.join(foreign, 'notes.txt'), MARKER);
	});
	afterAll(async () => {
		await database?.close();
		if (root) fs.rmSync(root, { recursive: true, force: true });
	});
	afterEach(() => {
		delete process.env.BLINDEVAL_MAX_CASES_SIZE;
		delete process.env.BLINDEVAL_MAX_OUTPUTS_SIZE;
	});

	/** Writes a study folder under <root>/studies/ and returns it. */
	function writeStudy(opts: StudyOptions = {}): string {
		const dir = path.join(root, 'studies', `s${++n}`);
		const files = opts.files ?? { 'cases.jsonl': CASES, 'outputs.jsonl': OUTPUTS };
		for (const [rel, text] of Object.entries(files)) {
			fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
			fs.writeFileSync(path.join(dir, rel), text);
		}
		const local = opts.manifest ? `  - name: local\n    manifest: ${opts.manifest}\n` : '';
		fs.writeFileSync(
			path.join(dir, 'study.yaml'),
			`name: Files study\nseed: 1\ncases: ${opts.cases ?? 'cases.jsonl'}\ncheckpoints:\n` +
				`  - name: base\n    outputs: ${opts.outputs ?? 'outputs.jsonl'}\n${local}${FORM}${opts.extra ?? ''}`
		);
		return dir;
	}

	/** Loads and imports; expects a refusal that quotes nothing foreign and writes nothing. */
	async function refused(dir: string, opts?: LoadOptions): Promise<Issue[]> {
		const before = await database.db.select({ n: count() }).from(studies);
		let error: unknown;
		try {
			await importStudy(database.db, CLI, loadStudy(dir, opts));
		} catch (e) {
			error = e;
		}
		const issues = issuesOf(error);
		const text = (error as Error).message;
		expect(text).not.toContain(MARKER);
		expect(text).not.toMatch(/root:x?:0:0/); // a line of /etc/passwd
		expect(text).not.toMatch(/RangeError|ReferenceError| {4}at /);
		expect(await database.db.select({ n: count() }).from(studies)).toEqual(before);
		return issues;
	}

	const studyYaml = (dir: string) => path.relative(process.cwd(), path.join(dir, 'study.yaml'));

	it('refuses a cases file elsewhere on the disk, naming study.yaml, line and field', async () => {
		const dir = writeStudy({ cases: path.join(foreign, 'cases.csv') });
		expect(await refused(dir)).toEqual([
			{
				file: studyYaml(dir),
				line: 3,
				field: 'cases',
				message: expect.stringMatching(/is outside the study folder .* or the models folder/)
			}
		]);
	});

	it('refuses outputs: ../../../../etc/passwd', async () => {
		const dir = writeStudy({ outputs: '../../../../../../../../etc/passwd' });
		expect(await refused(dir)).toEqual([
			expect.objectContaining({ file: studyYaml(dir), line: 6, field: 'checkpoints.0.outputs' })
		]);
	});

	it('refuses a symbolic link out of the folder', async () => {
		const dir = writeStudy({ files: { 'outputs.jsonl': OUTPUTS } });
		fs.symlinkSync(path.join(foreign, 'cases.jsonl'), path.join(dir, 'cases.jsonl'));
		expect(await refused(dir)).toEqual([
			expect.objectContaining({
				field: 'cases',
				message: expect.stringMatching(/^"cases.jsonl" is a link to a place outside/)
			})
		]);
	});

	it('refuses manifest: /dev/zero, and a device or folder even where files may be', async () => {
		const dir = writeStudy({ manifest: '/dev/zero' });
		expect(await refused(dir)).toEqual([
			expect.objectContaining({ line: 8, field: 'checkpoints.1.manifest' })
		]);
		// With /dev named as a models folder the path is allowed, but a device is not a file.
		const places = { ...readConfig(), modelsDirs: ['/dev'] };
		expect(await refused(dir, { places })).toEqual([
			{
				file: path.relative(process.cwd(), '/dev/zero'),
				message: 'is not a regular file (a folder, device or pipe cannot be a study file)'
			}
		]);
		const folder = writeStudy({ files: { 'cases.jsonl/x': '', 'outputs.jsonl': OUTPUTS } });
		expect(await refused(folder)).toEqual([
			expect.objectContaining({ message: expect.stringMatching(/is not a regular file/) })
		]);
	});

	it('refuses files over their size limit, naming the limit and its setting', async () => {
		const big = Array.from(
			{ length: 40 },
			(_, i) => `{"id":"P${i}","source":{"dx":"${'x'.repeat(40)}"}}`
		).join('\n');
		const dir = writeStudy({ files: { 'cases.jsonl': big, 'outputs.jsonl': OUTPUTS } });
		process.env.BLINDEVAL_MAX_CASES_SIZE = '1KB';
		expect(await refused(dir)).toEqual([
			{
				file: path.relative(process.cwd(), path.join(dir, 'cases.jsonl')),
				message: 'is 2.8 KB; a cases file may be at most 1.0 KB (BLINDEVAL_MAX_CASES_SIZE)'
			}
		]);
		const places = { ...readConfig(), limits: { cases: 1e6, outputs: 50, manifest: 1e6 } };
		expect(await refused(dir, { places })).toContainEqual(
			expect.objectContaining({
				message: expect.stringMatching(
					/an outputs file may be at most 50 B \(BLINDEVAL_MAX_OUTPUTS_SIZE\)/
				)
			})
		);
	});

	it('refuses a 10,000-deep and a 40-deep JSON value, naming line and field', async () => {
		const deep = (levels: number) => `{"id":"P3","source":${nested(levels)}}`;
		const dir = writeStudy({
			files: { 'cases.jsonl': `${CASES}${deep(10_000)}\n${deep(40)}\n`, 'outputs.jsonl': OUTPUTS }
		});
		const field = ['source', ...Array(31).fill('a')].join('.');
		const message = expect.stringMatching(/^is nested more than 32 levels deep .* at column \d+$/);
		expect(await refused(dir)).toEqual([
			expect.objectContaining({ line: 3, field, message }),
			expect.objectContaining({ line: 4, field, message })
		]);
	});

	it('refuses a YAML alias bomb with a located issue', async () => {
		const levels = 'bcdefghij'.split('');
		const bomb = levels.map(
			(c, i) =>
				`  ${c}: &${c} [${Array(9)
					.fill(`*${i ? levels[i - 1] : 'a'}`)
					.join(', ')}]\n`
		);
		const dir = writeStudy({ extra: `analysis_x:\n  a: &a [lol, lol, lol]\n${bomb.join('')}` });
		expect(await refused(dir)).toEqual([
			{
				file: studyYaml(dir),
				line: 14,
				field: 'analysis_x.b.0',
				message:
					'uses YAML aliases (*name) that expand to more than 100 values; write the values out instead'
			}
		]);
	});

	it('refuses a repeated key in a cases or outputs line, naming the key', async () => {
		const dir = writeStudy({
			files: {
				'cases.jsonl': `{"id":"P1","source":{"dx":"a","dx":"b"}}\n{"id":"P2","source":{"dx":"c"}}\n`,
				'outputs.jsonl': `{"case_id":"P1","text":"A","text":"B"}\n`
			}
		});
		expect(await refused(dir)).toEqual([
			expect.objectContaining({
				line: 1,
				field: 'source.dx',
				message: 'repeats the key "dx" at column 31'
			}),
			expect.objectContaining({
				file: expect.stringMatching(/outputs\.jsonl$/),
				line: 1,
				field: 'text',
				message: 'repeats the key "text" at column 28'
			})
		]);
	});

	it('takes weights from another disk only through a weights folder, and only .gguf', async () => {
		const manifest = (model: string, adapter = 'none.gguf') =>
			`name: local\nmodel: ${model}\nadapters:\n  - path: ${adapter}\npromptTemplate: 'Letter: {{dx}}'\n`;
		const weights = path.join(foreign, 'weights.gguf');
		const dir = writeStudy({
			manifest: 'local.yaml',
			files: {
				'cases.jsonl': CASES,
				'outputs.jsonl': OUTPUTS,
				'local.yaml': manifest(weights, '../../../../../etc/passwd')
			}
		});
		const shown = path.relative(process.cwd(), path.join(dir, 'local.yaml'));
		expect(await refused(dir)).toEqual([
			expect.objectContaining({
				file: shown,
				line: 2,
				field: 'model',
				message: expect.stringMatching(/BLINDEVAL_WEIGHTS_DIR to name their folder$/)
			}),
			expect.objectContaining({ file: shown, line: 4, field: 'adapters.0.path' })
		]);
		const places = { ...readConfig(), weightsDirs: [foreign] };
		// Named as a weights folder, the .gguf is allowed; /etc/passwd still is not.
		expect(await refused(dir, { places })).toEqual([
			expect.objectContaining({ field: 'adapters.0.path' })
		]);
		fs.writeFileSync(path.join(dir, 'local.yaml'), manifest(path.join(foreign, 'notes.txt')));
		expect(await refused(dir, { places })).toEqual([expect.objectContaining({ field: 'model' })]);
		fs.writeFileSync(path.join(dir, 'local.yaml'), manifest(weights));
		const def = loadStudy(dir, { places });
		expect(def.checkpoints[1]!.manifest!.model).toBe(weights);
	});

	it('applies the same bounds to cases and outputs files uploaded in the browser', async () => {
		const study = await setup.create(database.db, CLI, {
			name: 'Upload',
			slug: 'upload',
			seed: '1'
		});
		const upload = (text: string) => ({
			name: 'cases.jsonl',
			bytes: new TextEncoder().encode(text)
		});
		const bad = upload(
			`{"id":"P1","source":{"dx":"a","dx":"b"}}\n{"id":"P2","source":${nested(40)}}\n`
		);
		let issues: Issue[] = [];
		await setup
			.saveCases(database.db, CLI, 'upload', bad, setup.digestOf(bad.bytes))
			.catch((e: unknown) => (issues = issuesOf(e)));
		expect(issues).toEqual([
			expect.objectContaining({
				line: 1,
				field: 'source.dx',
				message: expect.stringMatching(/repeats the key "dx"/)
			}),
			expect.objectContaining({ line: 2, message: expect.stringMatching(/nested more than 32/) })
		]);
		process.env.BLINDEVAL_MAX_CASES_SIZE = '64B';
		expect(() => setup.previewCasesUpload(upload(CASES))).toThrow(
			'a cases file may be at most 64 B (BLINDEVAL_MAX_CASES_SIZE)'
		);
		const outputs = upload('{"case_id":"P1","text":"A","text":"B"}\n');
		await expect(
			checkpointSetup.uploadOutputs(database.db, CLI, 'upload', outputs, 'vllm')
		).rejects.toThrow('line 1: field text: repeats the key "text" at column 28');
		process.env.BLINDEVAL_MAX_OUTPUTS_SIZE = '16B';
		await expect(
			checkpointSetup.uploadOutputs(database.db, CLI, 'upload', outputs, 'vllm')
		).rejects.toThrow('an outputs file may be at most 16 B (BLINDEVAL_MAX_OUTPUTS_SIZE)');
		const [written] = await database.db
			.select({ n: count() })
			.from(cases)
			.where(eq(cases.studyId, study.id));
		expect(written!.n).toBe(0);
	});
});
