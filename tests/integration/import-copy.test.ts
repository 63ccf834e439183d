/**
 * An import writes new cases and outputs through COPY, in statements of about 2 MB, one table
 * after the other, all inside the import's transaction. A row the database refuses in a later
 * statement (past the first 2 MB of a file, or in the second outputs file, after the cases and
 * the first outputs file went in) stops the import with an error naming that file and line, and
 * nothing of the import stays: not the rows of the statements that succeeded, not the study.
 *
 * The database refuses the row through a CHECK constraint the test adds (as a later migration or
 * an administrator could): the files are validated before anything is written, so a refusal at
 * COPY is always one the loader does not know about.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/lib/errors';
import { CLI } from '../../src/lib/server/auth/actors';
import type { Database } from '../../src/lib/server/db';
import { auditLog, cases, checkpoints, outputs, studies } from '../../src/lib/server/db/schema';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { TEST_DATABASES } from '../support/databases';

const REFUSED = 'REFUSED-BY-THE-DATABASE';

const STUDY = (checkpointsYaml: string) => `name: COPY study
seed: 1
cases: cases.jsonl
checkpoints:
${checkpointsYaml}form:
  dimensions:
    - key: overall
      label: Overall
      anchors: [bad, poor, good, excellent]
`;

/** About 4 KB of plain clinical text (no identifier the PHI scan would stop on). */
const FILLER = 'Hypofractionated radiotherapy, 60 Gy in 20 fractions, tolerated well. '.repeat(58);

const caseId = (i: number) => `C${String(i + 1).padStart(4, '0')}`;

/**
 * A study folder of `n` cases of about 4 KB each (so 600 cases are about 2.4 MB of COPY text:
 * more than one statement) and the given output files; `mark` puts REFUSED into one row.
 */
function writeStudy(
	dir: string,
	n: number,
	files: { name: string; mark?: number }[],
	markCase?: number
): void {
	fs.mkdirSync(path.join(dir, 'outputs'), { recursive: true });
	const yaml = files
		.map((f) => `  - name: ${f.name}\n    outputs: outputs/${f.name}.jsonl\n`)
		.join('');
	fs.writeFileSync(path.join(dir, 'study.yaml'), STUDY(yaml));
	const lines = Array.from({ length: n }, (_, i) =>
		JSON.stringify({
			id: caseId(i),
			source: { findings: i === markCase ? `${FILLER} ${REFUSED}` : FILLER },
			reference: `Letter for ${caseId(i)}.`
		})
	);
	fs.writeFileSync(path.join(dir, 'cases.jsonl'), lines.join('\n') + '\n');
	for (const f of files) {
		const rows = Array.from({ length: n }, (_, i) =>
			JSON.stringify({
				case_id: caseId(i),
				text: `${f.name} ${caseId(i)}: ${FILLER}${i === f.mark ? REFUSED : ''}`
			})
		);
		fs.writeFileSync(path.join(dir, 'outputs', `${f.name}.jsonl`), rows.join('\n') + '\n');
	}
}

describe.each(TEST_DATABASES)('import refused at a later COPY statement on $name', ({ create }) => {
	let database: Database;
	let root: string;
	beforeAll(async () => {
		database = await create();
		root = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-import-copy-'));
		for (const [table, column] of [
			['outputs', 'raw_text'],
			['cases', 'source::text']
		])
			await database.db.execute(
				sql.raw(
					`alter table ${table} add constraint test_refused check (${column} not like '%${REFUSED}%')`
				)
			);
	});
	afterAll(async () => {
		await database?.close();
		if (root) fs.rmSync(root, { recursive: true, force: true });
	});

	/** Row counts of everything an import writes. */
	const counts = async () => {
		const db = database.db;
		const n = async (table: typeof studies | typeof cases | typeof outputs) =>
			(await db.select({ n: count() }).from(table))[0]!.n;
		return {
			studies: await n(studies),
			checkpoints: (await db.select({ n: count() }).from(checkpoints))[0]!.n,
			cases: await n(cases),
			outputs: await n(outputs),
			audit: (await db.select({ n: count() }).from(auditLog))[0]!.n
		};
	};

	/** The import's refusal: its issues (file, line, message). */
	async function refusal(dir: string) {
		const error = await importStudy(database.db, CLI, loadStudy(dir)).then(
			() => undefined,
			(e: unknown) => e
		);
		expect(error).toBeInstanceOf(ValidationError);
		return (error as ValidationError).issues;
	}

	it('a row in the second outputs file: refused by file and line, nothing written', async () => {
		const dir = path.join(root, 'second-file');
		writeStudy(dir, 40, [{ name: 'base' }, { name: 'tuned', mark: 36 }]);
		const before = await counts();
		const issues = await refusal(dir);
		expect(issues).toHaveLength(1);
		expect(issues[0]).toMatchObject({ file: 'outputs/tuned.jsonl', line: 37 });
		expect(issues[0]!.message).toContain('test_refused');
		expect(await counts()).toEqual(before);
	});

	it('a row past the first 2 MB of a file (its second COPY statement): the same', async () => {
		const dir = path.join(root, 'second-statement');
		// 600 letters of about 4 KB: 2.4 MB of COPY text, so row 590 is in the second statement.
		writeStudy(dir, 600, [{ name: 'base', mark: 589 }]);
		const issues = await refusal(dir);
		expect(issues[0]).toMatchObject({ file: 'outputs/base.jsonl', line: 590 });
		expect(await counts()).toEqual({ studies: 0, checkpoints: 0, cases: 0, outputs: 0, audit: 0 });

		// The same for the cases file: case 598 sits in the second statement of the cases.
		const casesDir = path.join(root, 'second-statement-cases');
		writeStudy(casesDir, 600, [{ name: 'base' }], 597);
		const caseIssues = await refusal(casesDir);
		expect(caseIssues[0]).toMatchObject({
			file: 'studies/second-statement-cases/cases.jsonl',
			line: 598
		});
		expect(await counts()).toEqual({ studies: 0, checkpoints: 0, cases: 0, outputs: 0, audit: 0 });
	});

	it('an update refused in its second outputs file leaves the study as it was', async () => {
		const dir = path.join(root, 'update');
		writeStudy(dir, 600, [{ name: 'base' }]);
		const first = await importStudy(database.db, CLI, loadStudy(dir));
		expect(first.outputs.added).toBe(600);
		const [study] = await database.db.select().from(studies).where(eq(studies.id, first.studyId));
		const before = await counts();

		// 40 more cases, their base letters, and a second set refused at its 620th line: the new
		// cases and base letters (earlier statements) must go too, and the study row stay.
		writeStudy(dir, 640, [{ name: 'base' }, { name: 'tuned', mark: 619 }]);
		const issues = await refusal(dir);
		expect(issues[0]).toMatchObject({ file: 'outputs/tuned.jsonl', line: 620 });
		expect(await counts()).toEqual(before);
		const [after] = await database.db.select().from(studies).where(eq(studies.id, first.studyId));
		expect(after).toEqual(study);
	});
});
