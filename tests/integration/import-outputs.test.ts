/**
 * Outputs made elsewhere, in one JSONL file for several checkpoints: validated with line
 * numbers (unknown case, duplicate, empty text, missing checkpoint), applied in one transaction.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/lib/errors';
import { CLI } from '../../src/lib/server/auth/actors';
import type { Database } from '../../src/lib/server/db';
import { checkpoints, outputs } from '../../src/lib/server/db/schema';
import { importOutputsFile } from '../../src/lib/server/outputs/import-file';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { TEST_DATABASES } from '../support/databases';

const line = (o: object) => JSON.stringify(o);

describe.each(TEST_DATABASES)('imported outputs file on $name', ({ create }) => {
	let database: Database;
	let root: string;
	beforeAll(async () => {
		database = await create();
		root = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-outputs-'));
		await importStudy(database.db, CLI, loadStudy('studies/demo'));
	});
	afterAll(async () => {
		await database?.close();
		if (root) fs.rmSync(root, { recursive: true, force: true });
	});

	it('imports several checkpoints from one file, with provenance, idempotently', async () => {
		const file = path.join(root, 'vllm.jsonl');
		fs.writeFileSync(
			file,
			[
				line({
					case_id: 'DEMO-01',
					checkpoint: 'mistral-7b-lora',
					text: 'Dear Dr. Weber,<|eot_id|>',
					provenance: { engine: 'vllm' }
				}),
				line({ case_id: 'DEMO-02', checkpoint: 'mistral-7b-lora', text: 'Dear Dr. B' }),
				line({ case_id: 'DEMO-01', checkpoint: 'llama2-7b-lora', text: 'Dear colleague' })
			].join('\n')
		);
		const first = await importOutputsFile(database.db, CLI, 'demo', file);
		expect(first.checkpoints.added).toBe(2);
		expect(first.outputs.added).toBe(3);
		const again = await importOutputsFile(database.db, CLI, 'demo', file);
		expect(again.outputs).toEqual({ added: 0, updated: 0, unchanged: 3 });
		const rows = await database.db.select().from(outputs);
		const mistral = rows.find((o) => o.rawText === 'Dear Dr. Weber,<|eot_id|>')!;
		expect(mistral.text).toBe('Dear Dr. Weber,');
		expect(mistral.normalization).toEqual(['special-tokens']);
		expect(mistral.provenance).toMatchObject({ source: 'imported', engine: 'vllm' });
	});

	it('reports every bad line and writes nothing', async () => {
		const file = path.join(root, 'bad.jsonl');
		fs.writeFileSync(
			file,
			[
				line({ case_id: 'DEMO-01', checkpoint: 'new-model', text: 'ok' }),
				line({ case_id: 'NOPE', checkpoint: 'new-model', text: 'x' }),
				line({ case_id: 'DEMO-01', checkpoint: 'new-model', text: 'again' }),
				line({ case_id: 'DEMO-02', checkpoint: 'new-model', text: '  ' }),
				line({ case_id: 'DEMO-03', text: 'no checkpoint' }),
				'{not json'
			].join('\n')
		);
		const before = await database.db.select({ n: count() }).from(checkpoints);
		const error = await importOutputsFile(database.db, CLI, 'demo', file).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ValidationError);
		// Malformed JSON is reported first, on its own, before the content is checked.
		expect((error as ValidationError).issues).toEqual([expect.objectContaining({ line: 6 })]);
		fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('\n{not json', ''));
		const second = (await importOutputsFile(database.db, CLI, 'demo', file).catch(
			(e: unknown) => e
		)) as ValidationError;
		expect(second.issues.map((i) => [i.line, i.field])).toEqual([
			[2, 'case_id'],
			[3, 'case_id'],
			[4, 'text'],
			[5, 'checkpoint']
		]);
		expect(await database.db.select({ n: count() }).from(checkpoints)).toEqual(before);
	});
});
