/**
 * Spreadsheet formulas in exports (issue 18, point 4), on both databases. Rater comments that a
 * spreadsheet would run as formulas reach the exact long and wide CSV byte for byte, as R's
 * read.csv and pandas' read_csv load them; the spreadsheet-safe CSV (long-excel, wide-excel)
 * neutralises every one, as LibreOffice Calc shows when it opens the file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { CLI, type RaterActor } from '../../src/lib/server/auth/actors';
import type { Database } from '../../src/lib/server/db';
import * as schema from '../../src/lib/server/db/schema';
import { exportStream, type ExportFormat } from '../../src/lib/server/exports';
import * as rating from '../../src/lib/server/rating';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { runPython, runR } from '../support/csv-readers';
import { TEST_DATABASES } from '../support/databases';
import { optOutForTest } from '../support/preregister';
import { openInCalc } from '../support/spreadsheet';

/**
 * The review's payloads: one per dimension comment, the last as the overall comment. The CR one
 * is written to the database directly (a client's CR is stored as LF, see rating.ts), as an
 * older version or another tool could have written it.
 */
const PAYLOADS = [
	'=HYPERLINK("http://x","y")',
	'+1+1',
	'-1+2',
	'@SUM(1,1)',
	'\t=1+1',
	'\r=1+1',
	'\t=HYPERLINK("http://x","tab")'
];
const RAW_CR = 5;

describe.each(TEST_DATABASES)('formulas in exports on $name', ({ create }) => {
	let database: Database;
	let dir: string;
	let roundId: string;
	let rater: RaterActor;
	let secondCode = '';

	async function write(format: ExportFormat): Promise<string> {
		const out = await exportStream(database.db, CLI, roundId, format);
		let s = '';
		for await (const c of out.chunks) s += c;
		const file = path.join(dir, out.filename);
		fs.writeFileSync(file, s);
		return file;
	}

	/** The non-empty values of the comment columns, as R and as pandas read them. */
	function readBoth(file: string, columns: string[]): { r: string[]; pandas: string[] } {
		const rVector = columns.map((c) => `d[["${c}"]]`).join(', ');
		const r = runR(
			`d <- read.csv("${file}"); v <- c(${rVector}); cat(jsonlite::toJSON(v[!is.na(v) & v != ""]))`
		);
		const pyList = columns.map((c) => `list(d["${c}"])`).join(' + ');
		const py = runPython(
			`import json, pandas as pd; d = pd.read_csv("${file}"); print(json.dumps([v for v in ${pyList} if isinstance(v, str) and v != ""]))`
		);
		return { r: JSON.parse(r) as string[], pandas: JSON.parse(py) as string[] };
	}

	beforeAll(async () => {
		database = await create();
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-formulas-'));
		const { studyId } = await importStudy(database.db, CLI, loadStudy('studies/demo'));
		const round = await rounds.create(database.db, CLI, {
			studyId,
			name: 'Formulas',
			checkpointNames: ['llama3-8b-instruct'],
			seed: 'formulas'
		});
		roundId = round.id;
		await rounds.transition(database.db, CLI, round.id, 'open');
		const { token } = await rounds.addRater(database.db, CLI, round.id, { name: 'A' });
		rater = (await rating.raterFromToken(database.db, token))!;
		const mine = (await rating.currentRound(database.db, rater))!;
		const code = mine.slots[0]!.code;
		secondCode = mine.slots[1]!.code;
		for (const [i, d] of mine.form.dimensions.entries()) {
			await rating.saveScore(database.db, rater, code, d.key, 2);
			await rating.saveComment(database.db, rater, code, d.key, PAYLOADS[i]!);
		}
		await rating.saveComment(database.db, rater, code, '', PAYLOADS[6]!);
		const [stored] = await database.db
			.update(schema.comments)
			.set({ body: PAYLOADS[RAW_CR]! })
			.where(eq(schema.comments.body, '\n=1+1'))
			.returning();
		expect(stored, 'the service stores a CR as LF').toBeDefined();
		// Not scored, so in no export: read back by the test below.
		await rating.saveComment(database.db, rater, secondCode, '', 'a\r\nb\r=1');
		await rounds.transition(database.db, CLI, round.id, 'locked');
		await optOutForTest(database.db, round.id);
		await rounds.transition(database.db, CLI, round.id, 'unblinded');
	});
	afterAll(async () => {
		await database?.close();
		if (dir) fs.rmSync(dir, { recursive: true, force: true });
	});

	it('the exact long and wide CSV give pandas every payload byte for byte, and R too', async () => {
		// R's read.csv reads every CR as a line end, also inside quotes: it alone sees LF there.
		const forR = (p: string) => p.replace(/\r/g, '\n');
		const long = readBoth(await write('long'), ['comment', 'item_comment']);
		// item_comment repeats on each of the item's six rows.
		const expected = [...PAYLOADS.slice(0, 6), ...Array<string>(6).fill(PAYLOADS[6]!)].sort();
		expect(long.pandas.sort()).toEqual(expected);
		expect(long.r.sort()).toEqual(expected.map(forR).sort());
		const keys = (await rounds.get(database.db, roundId)).form.dimensions.map((d) => d.key);
		const wide = readBoth(await write('wide'), [
			...keys.map((k) => `${k}_comment`),
			'item_comment'
		]);
		expect(wide.pandas.sort()).toEqual([...PAYLOADS].sort());
		expect(wide.r.sort()).toEqual(PAYLOADS.map(forR).sort());
	});

	it("stores a rater's CR or CRLF as LF", async () => {
		const bodies = (await database.db.select().from(schema.comments)).map((c) => c.body);
		expect(bodies).toContain('a\nb\n=1');
	});

	it('LibreOffice runs a payload of the exact CSV as a formula: the probe below can see one', async () => {
		const cells = openInCalc(await write('long'));
		expect(cells.filter((c) => c.formula !== null).map((c) => c.formula)).toContain(
			'of:=HYPERLINK("http://x";"y")'
		);
	});

	it.each(['long-excel', 'wide-excel'] as const)(
		'the %s CSV neutralises every payload: LibreOffice holds no formula, only text',
		async (format) => {
			const file = await write(format);
			expect(path.basename(file)).toMatch(/-excel\.csv$/);
			const cells = openInCalc(file);
			expect(cells.filter((c) => c.formula !== null)).toEqual([]);
			const texts = new Set(cells.map((c) => c.text));
			// Calc shows a carriage return in a cell as a line break.
			for (const p of PAYLOADS) expect(texts).toContain(`'${p.replace(/\r\n?/g, '\n')}`);
			expect([...texts].some((t) => /^[=+\-@\t\r]/.test(t))).toBe(false);
		}
	);
});
