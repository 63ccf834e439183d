/**
 * A study without `tasks:` keeps every file it exported before multi-task studies existed (issue
 * 14, point 4), on both databases: the study folder (study.yaml, cases, imported outputs), its
 * metrics.csv, and a round's codebook and CSV headers equal, byte for byte, the files the code
 * before tasks wrote for the demo study (tests/fixtures/golden/demo/, written by that code; its
 * study.yaml since holds the `marks: true` the demo's own form gained with error marking).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../../src/lib/server/auth/actors';
import type { Database } from '../../src/lib/server/db';
import { studyMetricsCsv } from '../../src/lib/server/metric-exports';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { studyFiles } from '../../src/lib/server/studies/study-folder';
import { TEST_DATABASES } from '../support/databases';
import { exportText } from '../support/export-text';

const GOLDEN = path.resolve('tests/fixtures/golden/demo');
const FILES = ['study.yaml', 'cases.jsonl', 'outputs/base.jsonl', 'outputs/finetuned.jsonl'];

describe.each(TEST_DATABASES)('a single-task study exports as before on $name', (target) => {
	let database: Database;
	let dir: string;
	const golden = (name: string) => fs.readFileSync(path.join(GOLDEN, name), 'utf8');

	beforeAll(async () => {
		database = await target.create();
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-golden-'));
	});
	afterAll(async () => {
		await database?.close();
		if (dir) fs.rmSync(dir, { recursive: true, force: true });
	});

	it('writes the same study folder, metrics, codebook and CSV headers', async () => {
		const { studyId } = await importStudy(database.db, CLI, loadStudy('studies/demo'));
		const files = new Map(
			(await studyFiles(database.db, 'demo', path.join(dir, 'demo'))).map((f) => [f.path, f.text])
		);
		for (const name of FILES) expect(files.get(name), name).toBe(golden(name));
		expect(await studyMetricsCsv(database.db, studyId)).toBe(golden('metrics.csv'));
		const round = await rounds.create(database.db, CLI, {
			studyId,
			name: 'Golden',
			checkpointNames: ['llama3-8b-instruct', 'llama3-8b-qlora-letters'],
			seed: 'golden'
		});
		await rounds.transition(database.db, CLI, round.id, 'open');
		expect(await exportText(database, round.id, 'codebook')).toBe(golden('codebook.csv'));
		for (const format of ['long', 'wide'] as const)
			expect(await exportText(database, round.id, format)).toBe(golden(`${format}.csv`));
	});
});
