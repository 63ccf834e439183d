/**
 * Error marks on both databases: a rater marks passages of the letter as shown (after
 * normalisation) and source fields the letter leaves out. Creates are idempotent on the
 * browser's id, every change is audited, a locked round refuses them, an omission must name a
 * real source field, and a rater's marks are invisible and unwritable for another rater.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, asc, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markSettings } from '../../src/lib/domain/marks';
import { ConflictError, NotFoundError, ValidationError } from '../../src/lib/errors';
import { CLI, type RaterActor } from '../../src/lib/server/auth/actors';
import type { Database } from '../../src/lib/server/db';
import * as schema from '../../src/lib/server/db/schema';
import * as rating from '../../src/lib/server/rating';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { TEST_DATABASES } from '../support/databases';

/** The raw text's prefix and line endings, both removed by normalisation before raters see it. */
const REASONING = '<think>Which model wrote this? Not for the rater.</think>\r\n';

/**
 * The demo study with every letter of the base checkpoint prefixed by a reasoning block and
 * written with CRLF line ends: offsets into the raw text differ from those into the letter shown.
 */
function awkwardDemo(): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-marks-'));
	fs.cpSync('studies/demo', dir, { recursive: true });
	const yaml = fs.readFileSync(path.join(dir, 'study.yaml'), 'utf8');
	// The local checkpoint's manifest path is relative to studies/demo: not needed here.
	fs.writeFileSync(
		path.join(dir, 'study.yaml'),
		yaml.replace(/\n {2}- name: tiny-random\n {4}manifest: [^\n]+/, '')
	);
	const file = path.join(dir, 'outputs/base.jsonl');
	const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
	const raw = lines.map((l) => {
		const row = JSON.parse(l) as { text: string };
		return JSON.stringify({ ...row, text: REASONING + row.text.replace(/\n/g, '\r\n') });
	});
	fs.writeFileSync(file, raw.join('\n') + '\n');
	return dir;
}

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe.each(TEST_DATABASES)('error marks on $name', ({ create }) => {
	let database: Database;
	let roundId: string;
	let a: RaterActor;
	let b: RaterActor;
	let code: string;
	let letter: string;
	let raw: string;
	let studyDir: string;

	function span(phrase: string, extra: Record<string, unknown> = {}) {
		const start = letter.indexOf(phrase);
		if (start < 0) throw new Error(`"${phrase}" is not in the letter`);
		return {
			kind: 'span',
			start,
			end: start + phrase.length,
			quote: phrase,
			category: 'wrong_dose',
			...extra
		};
	}

	async function audits() {
		return database.db
			.select({ action: schema.auditLog.action, before: schema.auditLog.before })
			.from(schema.auditLog)
			.where(and(like(schema.auditLog.action, 'mark.%'), eq(schema.auditLog.actorId, a.id)))
			.orderBy(asc(schema.auditLog.id));
	}

	beforeAll(async () => {
		database = await create();
		const { db } = database;
		studyDir = awkwardDemo();
		const { studyId } = await importStudy(db, CLI, loadStudy(studyDir));
		const round = await rounds.create(db, CLI, {
			studyId,
			name: 'Marks',
			checkpointNames: ['llama3-8b-instruct'],
			seed: 'marks'
		});
		roundId = round.id;
		await rounds.transition(db, CLI, round.id, 'open');
		const ta = await rounds.addRater(db, CLI, round.id, { name: 'Dr A' });
		const tb = await rounds.addRater(db, CLI, round.id, { name: 'Dr B' });
		a = (await rating.raterFromToken(db, ta.token))!;
		b = (await rating.raterFromToken(db, tb.token))!;
		code = (await rating.currentRound(db, a))!.slots[0]!.code;
		const view = await rating.item(db, a, code);
		if (view.kind !== 'absolute') throw new Error('expected a single-letter item');
		letter = view.letter;
		const [output] = await db
			.select({ raw: schema.outputs.rawText })
			.from(schema.items)
			.innerJoin(schema.outputs, eq(schema.outputs.id, schema.items.outputId))
			.where(eq(schema.items.code, code));
		raw = output!.raw!;
	});
	afterAll(async () => {
		await database?.close();
		if (studyDir) fs.rmSync(studyDir, { recursive: true, force: true });
	});

	it('offers the default taxonomy on the demo form', async () => {
		const view = await rating.item(database.db, a, code);
		expect(markSettings(view.form)?.categories.map((c) => c.key)).toEqual([
			'fabricated',
			'wrong_diagnosis',
			'wrong_dose',
			'inappropriate_recommendation',
			'other'
		]);
	});

	it('stores a passage as offsets into the letter as shown, not the raw output', async () => {
		const { db } = database;
		expect(raw.startsWith(REASONING)).toBe(true);
		expect(letter).not.toContain('<think>');
		expect(letter).not.toContain('\r');
		const phrase = letter
			.split('\n')
			.find((l) => l.length > 30)!
			.slice(5, 25);
		const mark = span(phrase, { harmExtent: 2, harmLikelihood: 3, note: 'Dose\r\nwrong' });
		const saved = await rating.saveMark(db, a, code, id(1), mark);
		expect(saved.changed).toBe(true);
		expect(saved.mark.note).toBe('Dose\nwrong');
		// The same phrase at its offsets in the raw text is not the letter between them.
		const rawStart = raw.indexOf(phrase);
		expect(rawStart).not.toBe(mark.start);
		await expect(
			rating.saveMark(db, a, code, id(2), {
				...mark,
				start: rawStart,
				end: rawStart + phrase.length
			})
		).rejects.toBeInstanceOf(ValidationError);
		// Read back (as after a reload): the offsets still cut the same passage from the letter.
		const [listed] = await rating.listMarks(db, a, code);
		expect(listed).toEqual({
			id: id(1),
			kind: 'span',
			start: mark.start,
			end: mark.end,
			quote: phrase,
			field: null,
			category: 'wrong_dose',
			note: 'Dose\nwrong',
			harmExtent: 2,
			harmLikelihood: 3
		});
		expect(letter.slice(listed!.start!, listed!.end!)).toBe(listed!.quote);
	});

	it('is idempotent on the browser id and audits each create, change and delete', async () => {
		const { db } = database;
		const mark = span(letter.slice(0, 12), { category: 'other' });
		expect((await rating.saveMark(db, a, code, id(3), mark)).changed).toBe(true);
		// A create sent again after a lost response finds the mark it made.
		expect((await rating.saveMark(db, a, code, id(3), mark)).changed).toBe(false);
		expect((await rating.listMarks(db, a, code)).filter((m) => m.id === id(3))).toHaveLength(1);
		const changed = { ...mark, category: 'fabricated', harmExtent: 1 };
		expect((await rating.saveMark(db, a, code, id(3), changed, true)).changed).toBe(true);
		expect((await rating.deleteMark(db, a, code, id(3))).changed).toBe(true);
		expect((await rating.deleteMark(db, a, code, id(3))).changed).toBe(false);
		// An update of a mark that does not exist is not found.
		await expect(rating.saveMark(db, a, code, id(4), mark, true)).rejects.toBeInstanceOf(
			NotFoundError
		);
		const rows = await audits();
		expect(rows.map((r) => r.action)).toEqual([
			'mark.create', // the passage of the test above
			'mark.create',
			'mark.change',
			'mark.delete'
		]);
		expect(rows[2]!.before).toMatchObject({ id: id(3), category: 'other' });
	});

	it('takes an omission only when it names a real source field', async () => {
		const { db } = database;
		const omission = { kind: 'omission', category: 'other', harmExtent: 3 };
		const saved = await rating.saveMark(db, a, code, id(5), {
			...omission,
			field: 'radiotherapy.end_date'
		});
		expect(saved.mark).toMatchObject({ kind: 'omission', start: null, quote: null });
		for (const field of ['radiotherapy.nope', 'nope', '', undefined, 42])
			await expect(
				rating.saveMark(db, a, code, id(6), { ...omission, field })
			).rejects.toBeInstanceOf(ValidationError);
	});

	it('refuses marks that do not fit the letter, the taxonomy or the harm scales', async () => {
		const { db } = database;
		const good = span(letter.slice(3, 9));
		for (const bad of [
			{ ...good, category: 'typo' },
			{ ...good, quote: 'something else' },
			{ ...good, start: -1 },
			{ ...good, end: letter.length + 1 },
			{ ...good, end: good.start },
			{ ...good, harmExtent: 4 },
			{ ...good, harmLikelihood: 0 },
			{ ...good, field: 'diagnosis' },
			{ ...good, kind: 'blob' },
			{ ...good, note: 7 }
		])
			await expect(rating.saveMark(db, a, code, id(7), bad)).rejects.toBeInstanceOf(
				ValidationError
			);
		await expect(rating.saveMark(db, a, code, 'not-a-uuid', good)).rejects.toBeInstanceOf(
			ValidationError
		);
	});

	it("keeps a rater's marks invisible and unwritable for another rater of the same letter", async () => {
		const { db } = database;
		expect((await rating.currentRound(db, b))!.slots.map((s) => s.code)).toContain(code);
		const before = await rating.listMarks(db, a, code);
		expect(before.length).toBeGreaterThan(0);
		expect(await rating.listMarks(db, b, code)).toEqual([]);
		await expect(
			rating.saveMark(db, b, code, id(1), span(letter.slice(0, 5)), true)
		).rejects.toBeInstanceOf(NotFoundError);
		expect(await rating.deleteMark(db, b, code, id(1))).toEqual({ changed: false });
		expect(await rating.listMarks(db, a, code)).toEqual(before);
	});

	it('refuses every change once the round is locked, and still lists the marks', async () => {
		const { db } = database;
		await rounds.transition(db, CLI, roundId, 'locked');
		const before = await rating.listMarks(db, a, code);
		await expect(
			rating.saveMark(db, a, code, id(8), span(letter.slice(0, 5)))
		).rejects.toBeInstanceOf(ConflictError);
		await expect(rating.deleteMark(db, a, code, id(1))).rejects.toBeInstanceOf(ConflictError);
		expect(await rating.listMarks(db, a, code)).toEqual(before);
	});
});
