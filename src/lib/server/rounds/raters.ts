/**
 * A round's raters and their secret links: adding a rater (with assignments at once in an open,
 * fully crossed round), reissuing and revoking a link. Each change is audited; tokens never are.
 */
import { and, count, eq, isNull } from 'drizzle-orm';
import { ConflictError, NotFoundError, ValidationError } from '../../errors';
import { assignRaters, designOf } from '../assign';
import type { Actor } from '../auth/actors';
import { hashToken, newToken } from '../auth/tokens';
import * as audit from '../audit/record';
import type { Db } from '../db';
import { raters, roundRaters, rounds, studies } from '../db/schema';
import { requireCoordinator, requireId } from './checks';

export interface NewRater {
	raterId: string;
	pseudonym: string;
	/** The secret link token: shown once, stored only as a hash. */
	token: string;
}

/**
 * Adds a rater to a draft or open round. In a draft round the rater's assignments are made when
 * the round opens (with everyone else's); a rater added to an open, fully crossed round gets
 * theirs at once, in the order the design gives that rater. Balanced designs are fixed at
 * opening: adding a rater later is refused, since it would unbalance them.
 */
export async function addRater(
	db: Db,
	actor: Actor,
	roundId: string,
	input: { name: string; email?: string }
): Promise<NewRater> {
	requireCoordinator(actor);
	const name = input.name.trim();
	if (!name) throw new ValidationError([{ field: 'name', message: 'is required' }]);
	return db.transaction(async (tx) => {
		const [round] = await tx.select().from(rounds).where(eq(rounds.id, roundId)).for('update');
		if (!round) throw new NotFoundError('Round not found');
		if (round.status !== 'draft' && round.status !== 'open')
			throw new ConflictError(
				`Round "${round.name}" is ${round.status}: raters can no longer be added`
			);
		const design = designOf(round);
		if (round.status === 'open' && design.type === 'balanced')
			throw new ConflictError(
				`Round "${round.name}" has a balanced design, fixed when it opened: add raters before opening, or open a new round`
			);
		const [study] = await tx.select().from(studies).where(eq(studies.id, round.studyId));
		const [{ n }] = (await tx
			.select({ n: count() })
			.from(raters)
			.where(eq(raters.studyId, round.studyId))) as [{ n: number }];
		const pseudonym = `R${String(n + 1).padStart(2, '0')}`;
		const token = newToken();
		const [rater] = await tx
			.insert(raters)
			.values({
				studyId: round.studyId,
				pseudonym,
				name,
				email: input.email?.trim() || null,
				tokenHash: hashToken(token)
			})
			.returning();
		await tx.insert(roundRaters).values({ roundId, raterId: rater!.id });
		// Shuffled, each checkpoint spread evenly over the positions, and no two letters of the
		// same case next to each other (designs.ts, property-tested).
		const assigned =
			round.status === 'open'
				? ((await assignRaters(tx, round, study!.seed, [rater!.id]))?.assigned ?? 0)
				: 0;
		await audit.record(tx, actor, {
			action: 'rater.add',
			entity: 'rater',
			entityId: rater!.id,
			studyId: round.studyId,
			after: { pseudonym, name, roundId, assignments: assigned }
		});
		return { raterId: rater!.id, pseudonym, token };
	});
}

/** Issues a new link for a rater; the old link stops working. */
export async function reissueLink(db: Db, actor: Actor, raterId: string): Promise<string> {
	requireCoordinator(actor);
	requireId(raterId, 'Rater');
	const token = newToken();
	return db.transaction(async (tx) => {
		const [old] = await tx.select().from(raters).where(eq(raters.id, raterId)).for('update');
		if (!old) throw new NotFoundError('Rater not found');
		const [rater] = await tx
			.update(raters)
			.set({ tokenHash: hashToken(token), revokedAt: null })
			.where(eq(raters.id, raterId))
			.returning();
		// Never the token, nor its hash: only that the old link stopped working.
		await audit.record(tx, actor, {
			action: 'rater.reissue-link',
			entity: 'rater',
			entityId: raterId,
			studyId: rater!.studyId,
			before: { revoked: old.revokedAt !== null, link: 'old link' },
			after: { revoked: false, link: 'new link issued; the old one no longer works' }
		});
		return token;
	});
}

/** Revokes a rater's link at once: the link stops working; scores given so far are kept. */
export async function revokeLink(db: Db, actor: Actor, raterId: string): Promise<void> {
	requireCoordinator(actor);
	requireId(raterId, 'Rater');
	await db.transaction(async (tx) => {
		const [rater] = await tx
			.update(raters)
			.set({ revokedAt: new Date() })
			.where(and(eq(raters.id, raterId), isNull(raters.revokedAt)))
			.returning();
		if (!rater) throw new NotFoundError('Rater not found, or the link is revoked already');
		await audit.record(tx, actor, {
			action: 'rater.revoke-link',
			entity: 'rater',
			entityId: raterId,
			studyId: rater.studyId,
			before: { revoked: false },
			after: { revoked: true }
		});
	});
}
