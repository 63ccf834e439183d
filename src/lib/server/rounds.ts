/**
 * Rating rounds: creation (items frozen under random codes), raters and their links, and the
 * lifecycle draft → open → locked → unblinded. Each transition is checked and audited.
 */
import { randomInt } from 'node:crypto';
import { and, asc, count, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { stratifiedOrder } from '../domain/designs';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors';
import type { Actor } from './auth/actors';
import { hashToken, newToken } from './auth/tokens';
import * as audit from './audit';
import type { Db } from './db';
import {
	assignments,
	checkpoints,
	items,
	outputs,
	raters,
	ratings,
	rounds,
	studies
} from './db/schema';

export type Round = typeof rounds.$inferSelect;
export type RoundStatus = Round['status'];

const NEXT: Record<RoundStatus, RoundStatus | null> = {
	draft: 'open',
	open: 'locked',
	locked: 'unblinded',
	unblinded: null
};

// Crockford base32 without I, L, O, U: easy to read aloud and to type.
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** An opaque item code such as "K7Q2-M9XD": 40 random bits, unrelated to any id. */
export function newItemCode(): string {
	let s = '';
	for (let i = 0; i < 8; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
	return `${s.slice(0, 4)}-${s.slice(4)}`;
}

function requireCoordinator(actor: Actor): void {
	if (actor.type === 'rater' || (actor.type === 'user' && actor.role !== 'coordinator'))
		throw new ForbiddenError('Only coordinators manage rounds');
}

export async function get(db: Db, roundId: string): Promise<Round> {
	const [round] = await db.select().from(rounds).where(eq(rounds.id, roundId));
	if (!round) throw new NotFoundError('Round not found');
	return round;
}

export async function listForStudy(db: Db, studyId: string): Promise<Round[]> {
	return db.select().from(rounds).where(eq(rounds.studyId, studyId)).orderBy(asc(rounds.createdAt));
}

/**
 * Creates a draft round over every output of the given checkpoints (all of the study's when
 * none are named). Every chosen checkpoint must have a finished output for every case.
 */
export async function create(
	db: Db,
	actor: Actor,
	input: { studyId: string; name: string; checkpointNames?: string[]; seed?: string }
): Promise<Round> {
	requireCoordinator(actor);
	const name = input.name.trim();
	if (!name) throw new ValidationError([{ field: 'name', message: 'is required' }]);
	return db.transaction(async (tx) => {
		const [study] = await tx.select().from(studies).where(eq(studies.id, input.studyId));
		if (!study) throw new NotFoundError('Study not found');
		const all = await tx.select().from(checkpoints).where(eq(checkpoints.studyId, study.id));
		const chosen = input.checkpointNames?.length
			? input.checkpointNames.map((n) => {
					const cp = all.find((c) => c.name === n);
					if (!cp)
						throw new ValidationError([
							{ field: 'checkpoints', message: `unknown checkpoint "${n}"` }
						]);
					return cp;
				})
			: all;
		if (chosen.length === 0)
			throw new ValidationError([{ field: 'checkpoints', message: 'none chosen' }]);
		const outs = await tx
			.select({ id: outputs.id, checkpointId: outputs.checkpointId, status: outputs.status })
			.from(outputs)
			.where(
				inArray(
					outputs.checkpointId,
					chosen.map((c) => c.id)
				)
			);
		const unfinished = chosen.filter((cp) =>
			outs.some((o) => o.checkpointId === cp.id && o.status !== 'done')
		);
		if (unfinished.length) {
			throw new ValidationError(
				unfinished.map((cp) => ({
					field: 'checkpoints',
					message: `checkpoint "${cp.name}" has outputs that are not generated yet (run generate first)`
				}))
			);
		}
		const [existing] = await tx
			.select({ id: rounds.id })
			.from(rounds)
			.where(and(eq(rounds.studyId, study.id), eq(rounds.name, name)));
		if (existing) throw new ConflictError(`A round named "${name}" exists already`);
		const [round] = await tx
			.insert(rounds)
			.values({
				studyId: study.id,
				name,
				seed: input.seed ?? newToken().slice(0, 12),
				form: study.form,
				design: { type: 'fully-crossed', checkpoints: chosen.map((c) => c.name) }
			})
			.returning();
		if (outs.length) {
			await tx
				.insert(items)
				.values(outs.map((o) => ({ roundId: round!.id, outputId: o.id, code: newItemCode() })));
		}
		await audit.record(tx, actor, {
			action: 'round.create',
			entity: 'round',
			entityId: round!.id,
			studyId: study.id,
			after: { name, items: outs.length, design: round!.design }
		});
		return round!;
	});
}

/** Moves a round one step along its lifecycle; any other transition is refused. */
export async function transition(
	db: Db,
	actor: Actor,
	roundId: string,
	to: RoundStatus
): Promise<Round> {
	requireCoordinator(actor);
	return db.transaction(async (tx) => {
		const [round] = await tx.select().from(rounds).where(eq(rounds.id, roundId)).for('update');
		if (!round) throw new NotFoundError('Round not found');
		if (NEXT[round.status] !== to) {
			throw new ConflictError(
				`Round "${round.name}" is ${round.status}; it can ${NEXT[round.status] ? `only become ${NEXT[round.status]}` : 'not change any more'}, not ${to}`
			);
		}
		const now = new Date();
		const stamp =
			to === 'open'
				? { openedAt: now }
				: to === 'locked'
					? { lockedAt: now }
					: { unblindedAt: now };
		const [updated] = await tx
			.update(rounds)
			.set({ status: to, ...stamp })
			.where(eq(rounds.id, roundId))
			.returning();
		await audit.record(tx, actor, {
			action: `round.${to === 'open' ? 'open' : to === 'locked' ? 'lock' : 'unblind'}`,
			entity: 'round',
			entityId: roundId,
			studyId: round.studyId,
			before: { status: round.status },
			after: { status: to }
		});
		return updated!;
	});
}

export interface NewRater {
	raterId: string;
	pseudonym: string;
	/** The secret link token: shown once, stored only as a hash. */
	token: string;
}

/**
 * Adds a rater to a draft or open round: creates the rater for the study and assigns every item
 * (fully crossed) in the rater's own seeded order.
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
		const roundItems = await tx
			.select({ id: items.id, caseId: outputs.caseId, checkpointId: outputs.checkpointId })
			.from(items)
			.innerJoin(outputs, eq(outputs.id, items.outputId))
			.where(eq(items.roundId, roundId))
			.orderBy(asc(items.code));
		// Shuffled, each checkpoint spread evenly over the positions, and no two letters of the
		// same case next to each other (designs.ts, property-tested).
		const order = stratifiedOrder(
			roundItems.map((i) => ({ id: i.id, caseKey: i.caseId, checkpointKey: i.checkpointId })),
			`${study!.seed}/${round.seed}/${pseudonym}`
		);
		if (order.length) {
			await tx
				.insert(assignments)
				.values(
					order.map((it, position) => ({ roundId, raterId: rater!.id, itemId: it.id, position }))
				);
		}
		await audit.record(tx, actor, {
			action: 'rater.add',
			entity: 'rater',
			entityId: rater!.id,
			studyId: round.studyId,
			after: { pseudonym, name, roundId, assignments: order.length }
		});
		return { raterId: rater!.id, pseudonym, token };
	});
}

/** Issues a new link for a rater; the old link stops working. */
export async function reissueLink(db: Db, actor: Actor, raterId: string): Promise<string> {
	requireCoordinator(actor);
	const token = newToken();
	return db.transaction(async (tx) => {
		const [rater] = await tx
			.update(raters)
			.set({ tokenHash: hashToken(token), revokedAt: null })
			.where(eq(raters.id, raterId))
			.returning();
		if (!rater) throw new NotFoundError('Rater not found');
		await audit.record(tx, actor, {
			action: 'rater.reissue-link',
			entity: 'rater',
			entityId: raterId,
			studyId: rater.studyId
		});
		return token;
	});
}

export interface RaterProgress {
	raterId: string;
	pseudonym: string;
	name: string;
	done: number;
	total: number;
	lastActiveAt: Date | null;
}

/**
 * Per-rater progress: an assignment is done when every dimension of the round's form has a
 * score. Shows no checkpoint identity, so it is safe before unblinding.
 */
export async function progress(db: Db, roundId: string): Promise<RaterProgress[]> {
	const round = await get(db, roundId);
	const dims = round.form.dimensions.length;
	const scored = db
		.select({ assignmentId: ratings.assignmentId, n: count().as('n') })
		.from(ratings)
		.groupBy(ratings.assignmentId)
		.as('scored');
	const rows = await db
		.select({
			raterId: raters.id,
			pseudonym: raters.pseudonym,
			name: raters.name,
			lastActiveAt: raters.lastActiveAt,
			total: count(assignments.id),
			done: sql<number>`count(*) filter (where ${scored.n} >= ${dims})`.mapWith(Number)
		})
		.from(assignments)
		.innerJoin(raters, eq(raters.id, assignments.raterId))
		.leftJoin(scored, eq(scored.assignmentId, assignments.id))
		.where(and(eq(assignments.roundId, roundId), isNotNull(assignments.id)))
		.groupBy(raters.id)
		.orderBy(asc(raters.pseudonym));
	return rows;
}
