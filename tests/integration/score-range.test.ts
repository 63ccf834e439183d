/**
 * The database's score check follows the scales (domain/scales.ts), not a fixed 1–4: it stores
 * every score any scale has (0 for "no" on a yes/no dimension, up to 7 on a 7-point one) and
 * refuses what none has. The exact range of a dimension is the save path's to check: on the
 * demo study's 4-point form, 0 and 5 are still refused before they reach the database.
 */
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/lib/errors';
import { HIGHEST_SCORE, LOWEST_SCORE } from '../../src/lib/domain/scales';
import type { Database } from '../../src/lib/server/db';
import { assignments, items, ratings } from '../../src/lib/server/db/schema';
import * as rating from '../../src/lib/server/rating';
import { TEST_DATABASES } from '../support/databases';
import { prepareRatingDay, type RatingDay } from '../support/rating-day';

/** The messages of an error and its causes (drizzle wraps the driver's error). */
function messages(error: unknown): string {
	const out: string[] = [];
	for (let e = error; e instanceof Error; e = e.cause) out.push(e.message);
	return out.join(' | ');
}

describe.each(TEST_DATABASES)('the score check on $name', ({ create }) => {
	let database: Database;
	let day: RatingDay;
	let assignmentId: string;

	beforeAll(async () => {
		database = await create();
		day = await prepareRatingDay(database.db, 1);
		const [row] = await database.db
			.select({ id: assignments.id })
			.from(assignments)
			.innerJoin(items, eq(items.id, assignments.itemId))
			.where(eq(items.code, day.raters[0]!.codes[0]!));
		assignmentId = row!.id;
	});
	afterAll(() => database.close());

	const insert = (dimension: string, score: number) =>
		database.db.insert(ratings).values({ assignmentId, dimension, score });

	it('stores a 5, a 0 (no) and a 7, the scores beyond 1–4 that scales need', async () => {
		await insert('five_point', 5);
		await insert('yes_no', LOWEST_SCORE);
		await insert('seven_point', HIGHEST_SCORE);
		const stored = await database.db
			.select({ dimension: ratings.dimension, score: ratings.score })
			.from(ratings)
			.where(eq(ratings.assignmentId, assignmentId))
			.orderBy(ratings.dimension);
		expect(stored).toEqual([
			{ dimension: 'five_point', score: 5 },
			{ dimension: 'seven_point', score: 7 },
			{ dimension: 'yes_no', score: 0 }
		]);
	});

	it.each([LOWEST_SCORE - 1, HIGHEST_SCORE + 1])(
		'refuses %i, which no scale has',
		async (score) => {
			const error = await insert(`refused_${score + 1}`, score).then(
				() => null,
				(e: unknown) => e
			);
			expect(messages(error)).toMatch(/violates check constraint "ratings_score_check"/);
		}
	);

	it('leaves the exact range to the save path: 0 and 5 on a 4-point dimension are refused', async () => {
		const [before] = await database.db.select({ n: count() }).from(ratings);
		const actor = (await rating.raterFromToken(database.db, day.raters[0]!.token))!;
		const code = day.raters[0]!.codes[1]!;
		for (const score of [0, 5])
			await expect(rating.saveScore(database.db, actor, code, 'diagnosis', score)).rejects.toThrow(
				ValidationError
			);
		const [after] = await database.db.select({ n: count() }).from(ratings);
		expect(after!.n).toBe(before!.n);
	});
});
