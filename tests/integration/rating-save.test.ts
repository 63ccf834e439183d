/**
 * The save of a score or a choice is one SQL statement (rating.ts saveAnswer): these tests hold
 * it to what the transaction it replaced guaranteed, on both databases. A new or changed value
 * is stored, audited with before and after and marks the assignment started; the same value
 * again changes nothing; every refusal (unknown item, another rater's item, unknown dimension,
 * wrong kind of item, locked round) has its typed error and writes nothing; saves of one letter
 * sent at once are all stored, each audited once.
 */
import { and, count, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../src/lib/errors';
import { CLI, type RaterActor } from '../../src/lib/server/auth/actors';
import type { Database } from '../../src/lib/server/db';
import { assignments, auditLog, items, ratings } from '../../src/lib/server/db/schema';
import * as rating from '../../src/lib/server/rating';
import * as rounds from '../../src/lib/server/rounds';
import { TEST_DATABASES } from '../support/databases';
import { prepareRatingDay, type RatingDay } from '../support/rating-day';

describe.each(TEST_DATABASES)('saving scores on $name', ({ create }) => {
	let database: Database;
	let day: RatingDay;
	let a: RaterActor;
	let b: RaterActor;

	beforeAll(async () => {
		database = await create();
		day = await prepareRatingDay(database.db, 2);
		a = (await rating.raterFromToken(database.db, day.raters[0]!.token))!;
		b = (await rating.raterFromToken(database.db, day.raters[1]!.token))!;
	});
	afterAll(() => database.close());

	const codeA = (i: number) => day.raters[0]!.codes[i]!;

	async function assignmentOf(code: string) {
		const [row] = await database.db
			.select({ id: assignments.id, startedAt: assignments.startedAt })
			.from(assignments)
			.innerJoin(items, eq(items.id, assignments.itemId))
			.where(and(eq(items.code, code), eq(assignments.raterId, a.id)));
		return row!;
	}

	async function audits(assignmentId: string) {
		return database.db
			.select()
			.from(auditLog)
			.where(and(eq(auditLog.entityId, assignmentId), like(auditLog.action, 'rating.%')))
			.orderBy(auditLog.id);
	}

	async function totals() {
		const [r] = await database.db.select({ n: count() }).from(ratings);
		const [l] = await database.db.select({ n: count() }).from(auditLog);
		return { ratings: r!.n, audit: l!.n };
	}

	it('stores, audits and starts; the same value again changes nothing; a change is audited', async () => {
		const code = codeA(0);
		expect((await assignmentOf(code)).startedAt).toBeNull();
		expect(await rating.saveScore(database.db, a, code, 'diagnosis', 2)).toEqual({ changed: true });
		const { id, startedAt } = await assignmentOf(code);
		expect(startedAt).toBeInstanceOf(Date);
		expect(await rating.saveScore(database.db, a, code, 'diagnosis', 2)).toEqual({
			changed: false
		});
		expect(await rating.saveScore(database.db, a, code, 'diagnosis', 4)).toEqual({ changed: true });
		expect((await assignmentOf(code)).startedAt).toEqual(startedAt); // stamped once
		const rows = await audits(id);
		expect(
			rows.map((r) => ({
				action: r.action,
				actorType: r.actorType,
				actorId: r.actorId,
				entity: r.entity,
				studyId: r.studyId,
				before: r.before,
				after: r.after
			}))
		).toEqual([
			{
				action: 'rating.create',
				actorType: 'rater',
				actorId: a.id,
				entity: 'assignment',
				studyId: day.studyId,
				before: null,
				after: { dimension: 'diagnosis', score: 2 }
			},
			{
				action: 'rating.change',
				actorType: 'rater',
				actorId: a.id,
				entity: 'assignment',
				studyId: day.studyId,
				before: { dimension: 'diagnosis', score: 2 },
				after: { dimension: 'diagnosis', score: 4 }
			}
		]);
		const [stored] = await database.db
			.select({ score: ratings.score })
			.from(ratings)
			.where(and(eq(ratings.assignmentId, id), eq(ratings.dimension, 'diagnosis')));
		expect(stored!.score).toBe(4);
	});

	it('refuses with a typed error and writes nothing', async () => {
		const code = codeA(1);
		// A letter of another round's rater: the same answer as a code that does not exist.
		const other = await prepareRatingDay(database.db, 1);
		const before = await totals();
		await expect(rating.saveScore(database.db, a, 'ZZZZ-ZZZZ', 'diagnosis', 3)).rejects.toThrow(
			NotFoundError
		);
		await expect(
			rating.saveScore(database.db, a, other.raters[0]!.codes[0]!, 'diagnosis', 3)
		).rejects.toThrow(NotFoundError);
		await expect(rating.saveScore(database.db, a, code, 'nope', 3)).rejects.toThrow(
			ValidationError
		);
		await expect(rating.saveScore(database.db, a, code, 'diagnosis', 5)).rejects.toThrow(
			ValidationError
		);
		await expect(rating.savePreference(database.db, a, code, 'diagnosis', 'left')).rejects.toThrow(
			ValidationError
		);
		expect(await totals()).toEqual(before);
		expect((await assignmentOf(code)).startedAt).toBeNull();
	});

	it('stores every score of a letter sent at once, each audited once', async () => {
		const code = codeA(2);
		const results = await Promise.all(
			day.dimensions.map((d, i) => rating.saveScore(database.db, a, code, d, (i % 4) + 1))
		);
		expect(results.every((r) => r.changed)).toBe(true);
		const { id } = await assignmentOf(code);
		const rows = await audits(id);
		expect(rows.map((r) => (r.after as { dimension: string }).dimension).sort()).toEqual(
			[...day.dimensions].sort()
		);
		const stored = await database.db.select().from(ratings).where(eq(ratings.assignmentId, id));
		expect(Object.fromEntries(stored.map((r) => [r.dimension, r.score]))).toEqual(
			Object.fromEntries(day.dimensions.map((d, i) => [d, (i % 4) + 1]))
		);
		// B's assignment of the same letter is untouched.
		expect(await rating.saveScore(database.db, b, code, 'diagnosis', 1)).toEqual({ changed: true });
	});

	it('refuses every save once the round is locked, writing nothing', async () => {
		await rounds.transition(database.db, CLI, day.roundId, 'locked');
		const before = await totals();
		await expect(rating.saveScore(database.db, a, codeA(0), 'diagnosis', 1)).rejects.toThrow(
			ConflictError
		);
		expect(await totals()).toEqual(before);
	});
});
