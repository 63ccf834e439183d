/**
 * What a rater adds besides scores, on both databases: comments (per dimension and overall), a
 * corrected letter, visible time on each item and the time-left estimate built from it. Each
 * change is idempotent where it can be, audited, refused in a locked round and invisible to
 * other raters.
 */
import { and, asc, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../src/lib/errors';
import { CLI, type RaterActor } from '../../src/lib/server/auth/actors';
import type { Database } from '../../src/lib/server/db';
import * as schema from '../../src/lib/server/db/schema';
import * as rating from '../../src/lib/server/rating';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { TEST_DATABASES } from '../support/databases';

/** The rating page's data for a single-letter item (every item of these rounds is one). */
async function absoluteItem(...args: Parameters<typeof rating.item>) {
	const view = await rating.item(...args);
	if (view.kind !== 'absolute') throw new Error(`expected a single-letter item, got ${view.kind}`);
	return view;
}

describe.each(TEST_DATABASES)('rater comments, corrections and time on $name', ({ create }) => {
	let database: Database;
	let roundId: string;
	let a: RaterActor;
	let b: RaterActor;
	let codesA: string[];
	let codesB: string[];

	/** Audit rows of one kind of change (e.g. 'comment.') for an item of rater a. */
	async function audits(prefix: string, code: string) {
		const { db } = database;
		const [assignment] = await db
			.select({ id: schema.assignments.id })
			.from(schema.assignments)
			.innerJoin(schema.items, eq(schema.items.id, schema.assignments.itemId))
			.where(and(eq(schema.items.code, code), eq(schema.assignments.raterId, a.id)));
		return db
			.select()
			.from(schema.auditLog)
			.where(
				and(
					eq(schema.auditLog.entityId, assignment!.id),
					like(schema.auditLog.action, `${prefix}%`)
				)
			)
			.orderBy(asc(schema.auditLog.id));
	}

	beforeAll(async () => {
		database = await create();
		const { db } = database;
		const { studyId } = await importStudy(db, CLI, loadStudy('studies/demo'));
		const round = await rounds.create(db, CLI, {
			studyId,
			name: 'Extras',
			checkpointNames: ['llama3-8b-instruct', 'llama3-8b-qlora-letters'],
			seed: 'extras'
		});
		roundId = round.id;
		await rounds.transition(db, CLI, round.id, 'open');
		const ta = await rounds.addRater(db, CLI, round.id, { name: 'Dr A' });
		const tb = await rounds.addRater(db, CLI, round.id, { name: 'Dr B' });
		a = (await rating.raterFromToken(db, ta.token))!;
		b = (await rating.raterFromToken(db, tb.token))!;
		codesA = (await rating.currentRound(db, a))!.slots.map((s) => s.code);
		codesB = (await rating.currentRound(db, b))!.slots.map((s) => s.code);
	});
	afterAll(async () => {
		await database?.close();
	});

	it('starts with no comments, no correction and no estimate', async () => {
		const view = await absoluteItem(database.db, a, codesA[0]!);
		expect(view.comments).toEqual({});
		expect(view.correction).toBeNull();
		expect(view.secondsLeft).toBeNull();
	});

	it('saves, changes and deletes comments idempotently, with an audit row per change', async () => {
		const { db } = database;
		const code = codesA[0]!;
		expect(await rating.saveComment(db, a, code, 'diagnosis', 'ICD-10 missing')).toEqual({
			changed: true
		});
		expect(await rating.saveComment(db, a, code, 'diagnosis', 'ICD-10 missing')).toEqual({
			changed: false
		});
		await rating.saveComment(db, a, code, 'diagnosis', 'ICD-10 code missing');
		await rating.saveComment(db, a, code, '', 'Overall fine, but too long.');
		expect((await absoluteItem(db, a, code)).comments).toEqual({
			diagnosis: 'ICD-10 code missing',
			'': 'Overall fine, but too long.'
		});
		// An empty (or blank) body deletes; deleting what is gone changes nothing.
		expect(await rating.saveComment(db, a, code, 'diagnosis', '  ')).toEqual({ changed: true });
		expect(await rating.saveComment(db, a, code, 'diagnosis', '')).toEqual({ changed: false });
		expect((await absoluteItem(db, a, code)).comments).toEqual({
			'': 'Overall fine, but too long.'
		});
		const rows = await audits('comment.', code);
		expect(rows.map((r) => r.action)).toEqual([
			'comment.create',
			'comment.change',
			'comment.create',
			'comment.delete'
		]);
		expect(rows[1]).toMatchObject({
			actorType: 'rater',
			actorId: a.id,
			studyId: a.studyId,
			before: { dimension: 'diagnosis', body: 'ICD-10 missing' },
			after: { dimension: 'diagnosis', body: 'ICD-10 code missing' }
		});
		expect(rows[3]!.after).toBeNull();
	});

	it('refuses comments on unknown dimensions or with a body that is not text', async () => {
		const { db } = database;
		const code = codesA[0]!;
		for (const [dimension, body] of [
			['nope', 'x'],
			[undefined, 'x'],
			['diagnosis', 42],
			['diagnosis', null],
			['diagnosis', 'x'.repeat(rating.MAX_COMMENT_LENGTH + 1)]
		] as const)
			await expect(rating.saveComment(db, a, code, dimension, body)).rejects.toBeInstanceOf(
				ValidationError
			);
	});

	it('keeps a corrected letter; the unchanged letter or an empty body deletes it', async () => {
		const { db } = database;
		const code = codesA[1]!;
		const { letter } = await absoluteItem(db, a, code);
		// The letter as shown is no correction: nothing stored, nothing audited.
		expect(await rating.saveCorrection(db, a, code, letter)).toEqual({ changed: false });
		const corrected = `${letter}\n\nWith kind regards`;
		expect(await rating.saveCorrection(db, a, code, corrected)).toEqual({ changed: true });
		expect(await rating.saveCorrection(db, a, code, corrected)).toEqual({ changed: false });
		expect((await absoluteItem(db, a, code)).correction).toBe(corrected);
		await rating.saveCorrection(db, a, code, 'Short.');
		expect(await rating.saveCorrection(db, a, code, letter)).toEqual({ changed: true });
		expect((await absoluteItem(db, a, code)).correction).toBeNull();
		await rating.saveCorrection(db, a, code, 'Again.');
		expect(await rating.saveCorrection(db, a, code, '')).toEqual({ changed: true });
		expect((await absoluteItem(db, a, code)).correction).toBeNull();
		expect((await audits('correction.', code)).map((r) => r.action)).toEqual([
			'correction.create',
			'correction.change',
			'correction.delete',
			'correction.create',
			'correction.delete'
		]);
		await expect(rating.saveCorrection(db, a, code, 7)).rejects.toBeInstanceOf(ValidationError);
		await expect(
			rating.saveCorrection(db, a, code, 'x'.repeat(rating.MAX_CORRECTION_LENGTH + 1))
		).rejects.toBeInstanceOf(ValidationError);
	});

	it('adds visible time and audits it', async () => {
		const { db } = database;
		const code = codesA[2]!;
		expect(await rating.addTime(db, a, code, 15)).toEqual({ secondsOnItem: 15 });
		expect(await rating.addTime(db, a, code, 7)).toEqual({ secondsOnItem: 22 });
		for (const bad of [0, -5, 1.5, rating.MAX_SECONDS_PER_REPORT + 1, '15', null, Number.NaN])
			await expect(rating.addTime(db, a, code, bad)).rejects.toBeInstanceOf(ValidationError);
		const rows = await audits('assignment.time', code);
		expect(rows.map((r) => [r.before, r.after])).toEqual([
			[{ secondsOnItem: 0 }, { secondsOnItem: 15 }],
			[{ secondsOnItem: 15 }, { secondsOnItem: 22 }]
		]);
	});

	it("shows each rater only their own notes; another round's item is not found", async () => {
		const { db } = database;
		// Fully crossed: both raters hold this item, each with their own assignment.
		const shared = codesA[3]!;
		expect(codesB).toContain(shared);
		await rating.saveComment(db, b, shared, '', 'B only');
		await rating.saveCorrection(db, b, shared, 'B only');
		expect((await absoluteItem(db, a, shared)).comments).toEqual({});
		expect((await absoluteItem(db, a, shared)).correction).toBeNull();
		expect((await absoluteItem(db, b, shared)).comments).toEqual({ '': 'B only' });
		for (const code of ['ZZZZ-ZZZZ', ''])
			for (const call of [
				() => rating.saveComment(db, a, code, '', 'x'),
				() => rating.saveCorrection(db, a, code, 'x'),
				() => rating.addTime(db, a, code, 5)
			])
				await expect(call()).rejects.toBeInstanceOf(NotFoundError);
		// A rater of another round does not reach this round's items at all.
		const [study] = await db.select().from(schema.studies);
		const other = await rounds.create(db, CLI, {
			studyId: study!.id,
			name: 'Other',
			checkpointNames: ['llama3-8b-instruct'],
			seed: 'other'
		});
		await rounds.transition(db, CLI, other.id, 'open');
		const tc = await rounds.addRater(db, CLI, other.id, { name: 'Dr C' });
		const c = (await rating.raterFromToken(db, tc.token))!;
		await expect(rating.saveComment(db, c, codesA[0]!, '', 'x')).rejects.toBeInstanceOf(
			NotFoundError
		);
		await expect(absoluteItem(db, c, codesA[0]!)).rejects.toBeInstanceOf(NotFoundError);
	});

	it('estimates time left from the median time of finished items', async () => {
		const { db } = database;
		const { form, total } = (await rating.currentRound(db, b))!;
		const finish = async (code: string, seconds: number) => {
			for (const d of form.dimensions) await rating.saveScore(db, b, code, d.key, 3);
			await rating.addTime(db, b, code, seconds);
		};
		await finish(codesB[0]!, 60);
		expect((await rating.currentRound(db, b))!.secondsLeft).toBeNull();
		await finish(codesB[1]!, 120);
		await finish(codesB[2]!, 300);
		// Unfinished items' time does not count.
		await rating.addTime(db, b, codesB[3]!, 3000);
		const round = (await rating.currentRound(db, b))!;
		expect(round.done).toBe(3);
		expect(round.secondsLeft).toBe(120 * (total - 3));
		expect((await absoluteItem(db, b, codesB[3]!)).secondsLeft).toBe(120 * (total - 3));
	});

	it('returns nothing of the checkpoints with comments and corrections', async () => {
		const { db } = database;
		const cps = await db.select().from(schema.checkpoints);
		const secrets = cps
			.flatMap((c) => [c.name, c.id, c.manifestPath ?? '', c.outputsPath ?? ''])
			.filter(Boolean);
		const view = JSON.stringify(await absoluteItem(db, a, codesA[0]!));
		for (const s of secrets) expect(view).not.toContain(s);
		expect(Object.keys(await absoluteItem(db, a, codesA[0]!)).sort()).toEqual(
			[
				'code',
				'comments',
				'correction',
				'done',
				'form',
				'kind',
				'letter',
				'nextCode',
				'number',
				'previousCode',
				'readOnly',
				'scores',
				'secondsLeft',
				'source',
				'total'
			].sort()
		);
	});

	it('refuses every change once the round is locked, and still shows what was saved', async () => {
		const { db } = database;
		const code = codesA[0]!;
		await rounds.transition(db, CLI, roundId, 'locked');
		for (const call of [
			() => rating.saveComment(db, a, code, '', 'late'),
			() => rating.saveCorrection(db, a, code, 'late'),
			() => rating.addTime(db, a, code, 5)
		])
			await expect(call()).rejects.toBeInstanceOf(ConflictError);
		const view = await absoluteItem(db, a, code);
		expect(view.readOnly).toBe(true);
		expect(view.comments['']).toBe('Overall fine, but too long.');
	});
});
