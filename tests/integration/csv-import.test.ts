/**
 * Cases from CSV: a valid file imports; broken files (missing id column, duplicate ids, bad
 * encoding, empty, bad gold labels) are refused with row-level issues and nothing is written.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/lib/errors';
import { CLI } from '../../src/lib/server/auth/actors';
import type { Database } from '../../src/lib/server/db';
import { cases, studies } from '../../src/lib/server/db/schema';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { TEST_DATABASES } from '../support/databases';

const STUDY = `name: CSV study
seed: 1
cases: cases.csv
checkpoints:
  - name: base
    outputs: outputs.jsonl
form:
  dimensions:
    - key: overall
      label: Overall
      anchors: [bad, poor, good, excellent]
`;
const CSV = `id,diagnosis,radiotherapy.total_dose_gy,radiotherapy.fractions,gold_modality,gold_icd10,reference
P1,"Prostate, intermediate risk",60,20,photon,C61,"Dear Dr. A,
Letter one."
P2,Breast,40.05,15,photon,C50.4,Dear Dr. B
`;
const OUTPUTS = '{"case_id":"P1","text":"One"}\n{"case_id":"P2","text":"Two"}\n';

function writeStudy(root: string, slug: string, csv: string | Buffer): string {
	const dir = path.join(root, slug);
	fs.mkdirSync(dir, { recursive: true });
	fs.writeFileSync(path.join(dir, 'study.yaml'), STUDY);
	fs.writeFileSync(path.join(dir, 'cases.csv'), csv);
	fs.writeFileSync(path.join(dir, 'outputs.jsonl'), OUTPUTS);
	return dir;
}

describe.each(TEST_DATABASES)('CSV cases on $name', ({ create }) => {
	let database: Database;
	let root: string;
	beforeAll(async () => {
		database = await create();
		root = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-csv-'));
	});
	afterAll(async () => {
		await database?.close();
		if (root) fs.rmSync(root, { recursive: true, force: true });
	});

	it('imports a valid CSV with nested source fields, multi-line cells and gold labels', async () => {
		await importStudy(database.db, CLI, loadStudy(writeStudy(root, 'csv-ok', CSV)));
		const rows = await database.db.select().from(cases).orderBy(cases.position);
		expect(rows.map((r) => r.externalId)).toEqual(['P1', 'P2']);
		expect(rows[0]!.source).toEqual({
			diagnosis: 'Prostate, intermediate risk',
			radiotherapy: { total_dose_gy: '60', fractions: '20' }
		});
		expect(rows[0]!.reference).toBe('Dear Dr. A,\nLetter one.');
		expect(rows[1]).toMatchObject({ goldModality: 'photon', goldIcd10: 'C50.4' });
	});

	const broken: [string, string | Buffer, (e: ValidationError) => void][] = [
		[
			'no id column',
			'case,diagnosis\nP1,Prostate\n',
			(e) => expect(e.issues).toContainEqual(expect.objectContaining({ line: 2, field: 'id' }))
		],
		[
			'duplicate ids and a bad gold label',
			'id,diagnosis,gold_modality\nP1,A,photon\nP2,B,gamma\nP1,C,photon\n',
			(e) => {
				expect(e.issues).toContainEqual(
					expect.objectContaining({ line: 3, field: 'gold.modality' })
				);
				expect(e.issues).toContainEqual(
					expect.objectContaining({
						line: 4,
						field: 'id',
						message: expect.stringMatching(/duplicate/)
					})
				);
			}
		],
		[
			'bad encoding',
			Buffer.concat([
				Buffer.from('id,diagnosis\nP1,Prostate\nP2,'),
				Buffer.from([0xc3, 0x28]),
				Buffer.from('\n')
			]),
			(e) =>
				expect(e.issues).toEqual([
					expect.objectContaining({ line: 3, message: 'is not valid UTF-8' })
				])
		],
		['empty file', '', (e) => expect(e.issues[0]!.message).toMatch(/no cases/)],
		[
			'a row with too many cells',
			'id,diagnosis\nP1,Prostate\nP2,Breast,extra\n',
			(e) => expect(e.issues).toEqual([expect.objectContaining({ line: 3 })])
		]
	];
	it.each(broken)(
		'refuses a CSV with %s, naming rows, and writes nothing',
		async (_, csv, check) => {
			const before = await database.db.select({ n: count() }).from(studies);
			let error: unknown;
			try {
				await importStudy(
					database.db,
					CLI,
					loadStudy(writeStudy(root, `csv-${Math.random().toString(36).slice(2)}`, csv))
				);
			} catch (e) {
				error = e;
			}
			expect(error).toBeInstanceOf(ValidationError);
			expect((error as ValidationError).issues.every((i) => i.file?.endsWith('cases.csv'))).toBe(
				true
			);
			check(error as ValidationError);
			expect(await database.db.select({ n: count() }).from(studies)).toEqual(before);
		}
	);
});
