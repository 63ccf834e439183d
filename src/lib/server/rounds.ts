/**
 * Rating rounds: creation (items frozen under random codes), raters and their links, and the
 * lifecycle draft → open → locked → unblinded. Each transition is checked and audited.
 */
import { and, asc, count, eq, inArray, isNull, notExists, sql } from 'drizzle-orm';
import { DEFAULT_DESIGN, describeDesign, type RoundDesignOptions } from '../domain/round-options';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import type { StoredDesign } from '../domain/round-options';
import { assignRaters, designOf, insertBatched } from './assign';
import { canChangeRound, requireThat } from './auth/access';
import type { Actor } from './auth/actors';
import { hashToken, newToken } from './auth/tokens';
import * as analysisPlans from './analysis-plans';
import * as audit from './audit/record';
import * as checks from './studies/checks';
import type { Db } from './db';
import {
	assignments,
	cases,
	checkpoints,
	items,
	outputs,
	preferences,
	raters,
	ratings,
	roundRaters,
	rounds,
	studies
} from './db/schema';
import { newItemCode } from './item-codes';

export { designOf };

export type Round = typeof rounds.$inferSelect;
export type RoundStatus = Round['status'];

const NEXT: Record<RoundStatus, RoundStatus | null> = {
	draft: 'open',
	open: 'locked',
	locked: 'unblinded',
	unblinded: null
};

function requireCoordinator(actor: Actor): void {
	requireThat(canChangeRound(actor), 'Only coordinators manage rounds');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids come from URLs and forms: one that is not a UUID names nothing (and must not reach SQL). */
function requireId(id: string, what: string): void {
	if (!UUID.test(id)) throw new NotFoundError(`${what} not found`);
}

export async function get(db: Db, roundId: string): Promise<Round> {
	requireId(roundId, 'Round');
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
 *
 * Absolute rounds get their items (one per output) now; pairwise rounds get theirs when they
 * open, one per rater and comparison, since each rater's sides are drawn for that rater.
 */
export async function create(
	db: Db,
	actor: Actor,
	input: {
		studyId: string;
		name: string;
		checkpointNames?: string[];
		seed?: string;
		design?: RoundDesignOptions;
	}
): Promise<Round> {
	requireCoordinator(actor);
	const name = input.name.trim();
	if (!name) throw new ValidationError([{ field: 'name', message: 'is required' }]);
	const options = input.design ?? DEFAULT_DESIGN;
	const seed = input.seed?.trim() || newToken().slice(0, 12);
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
		if (options.kind === 'pairwise' && chosen.length < 2)
			throw new ValidationError([
				{ field: 'checkpoints', message: 'a pairwise round compares at least two checkpoints' }
			]);
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
		const design: StoredDesign = { ...options, checkpoints: chosen.map((c) => c.name) };
		const [round] = await tx
			.insert(rounds)
			.values({
				studyId: study.id,
				name,
				kind: options.kind,
				seed,
				form: study.form,
				design
			})
			.returning();
		const itemRows =
			options.kind === 'absolute'
				? outs.map((o) => ({ roundId: round!.id, outputId: o.id, code: newItemCode() }))
				: [];
		await insertBatched(itemRows, (b) => tx.insert(items).values(b));
		const plan = await analysisPlans.draftFromStudy(tx, round!, study.analysisPlan);
		await audit.record(tx, actor, {
			action: 'round.create',
			entity: 'round',
			entityId: round!.id,
			studyId: study.id,
			after: {
				name,
				kind: options.kind,
				items: itemRows.length,
				design: describeDesign(options),
				checkpoints: design.checkpoints,
				seed,
				...(plan ? { analysisPlan: plan } : {})
			}
		});
		return round!;
	});
}

/** Moves a round one step along its lifecycle; any other transition is refused. */
export async function transition(
	db: Db,
	actor: Actor,
	roundId: string,
	to: RoundStatus,
	opts: { confirmLeakage?: boolean } = {}
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
		// Pre-registration (issue 13): a locked analysis plan, or an explicit, audited opt-out.
		if (to === 'unblinded') await analysisPlans.requireForUnblinding(tx, round);
		let report: StoredDesign['report'] = undefined;
		// Leakage (issue 13): cases found in a checkpoint's training data need a confirmation.
		if (to === 'open')
			await checks.requireLeakageConfirmed(tx, actor, round, !!opts.confirmLeakage);
		if (to === 'open') report = await assignAtOpening(tx, round);
		const now = new Date();
		const stamp =
			to === 'open'
				? { openedAt: now }
				: to === 'locked'
					? { lockedAt: now }
					: { unblindedAt: now };
		const [updated] = await tx
			.update(rounds)
			.set({
				status: to,
				...stamp,
				...(report ? { design: { ...round.design, report } } : {})
			})
			.where(eq(rounds.id, roundId))
			.returning();
		await audit.record(tx, actor, {
			action: `round.${to === 'open' ? 'open' : to === 'locked' ? 'lock' : 'unblind'}`,
			entity: 'round',
			entityId: roundId,
			studyId: round.studyId,
			before: { status: round.status },
			after: report ? { status: to, designReport: report } : { status: to }
		});
		return updated!;
	});
}

/**
 * Opening freezes the design: every rater of the round gets assignments (items, repeats and
 * comparisons included) built at once, so balanced designs can spread items evenly over them.
 */
async function assignAtOpening(tx: Db, round: Round) {
	const design = designOf(round);
	const members = await tx
		.select({ raterId: roundRaters.raterId })
		.from(roundRaters)
		.where(
			and(
				eq(roundRaters.roundId, round.id),
				notExists(
					tx
						.select({ one: sql`1` })
						.from(assignments)
						.where(
							and(eq(assignments.roundId, round.id), eq(assignments.raterId, roundRaters.raterId))
						)
				)
			)
		);
	if (design.type === 'balanced' && members.length < (design.ratersPerItem ?? 1))
		throw new ValidationError([
			{
				field: 'raters',
				message: `a balanced design with ${design.ratersPerItem} raters per item needs at least ${design.ratersPerItem} raters before opening (the round has ${members.length})`
			}
		]);
	const [study] = await tx.select().from(studies).where(eq(studies.id, round.studyId));
	const built = await assignRaters(
		tx,
		round,
		study!.seed,
		members.map((m) => m.raterId)
	);
	return built?.report;
}

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

export interface RaterProgress {
	raterId: string;
	pseudonym: string;
	name: string;
	done: number;
	total: number;
	lastActiveAt: Date | null;
	/** The rater's link was revoked (and not reissued since). */
	revoked: boolean;
}

/**
 * Answers per assignment (scores, or choices in pairwise rounds), and the count of assignments
 * with every dimension answered, for a query grouped by rater or item.
 */
function answered(db: Db, round: Round) {
	const answers = round.kind === 'pairwise' ? preferences : ratings;
	const scored = db
		.select({ assignmentId: answers.assignmentId, n: count().as('n') })
		.from(answers)
		.groupBy(answers.assignmentId)
		.as('scored');
	const dims = round.form.dimensions.length;
	const done = sql<number>`count(*) filter (where ${scored.n} >= ${dims})`.mapWith(Number);
	return { scored, done };
}

/**
 * Per-rater progress: an assignment is done when every dimension of the round's form has a
 * score (a choice, in pairwise rounds). Shows no checkpoint identity, so it is safe before
 * unblinding. Raters of a draft round are listed with nothing assigned yet.
 */
export async function progress(db: Db, round: Round): Promise<RaterProgress[]> {
	const roundId = round.id;
	const { scored, done } = answered(db, round);
	return db
		.select({
			raterId: raters.id,
			pseudonym: raters.pseudonym,
			name: raters.name,
			lastActiveAt: raters.lastActiveAt,
			revoked: sql<boolean>`${raters.revokedAt} is not null`,
			total: count(assignments.id),
			done
		})
		.from(roundRaters)
		.innerJoin(raters, eq(raters.id, roundRaters.raterId))
		.leftJoin(
			assignments,
			and(eq(assignments.roundId, roundId), eq(assignments.raterId, raters.id))
		)
		.leftJoin(scored, eq(scored.assignmentId, assignments.id))
		.where(eq(roundRaters.roundId, roundId))
		.groupBy(raters.id)
		.orderBy(asc(raters.pseudonym));
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

export interface ItemProgress {
	code: string;
	/** The case's id from the study file: coordinators know the cases, not who wrote a letter. */
	caseId: string;
	/** Raters with every dimension answered, of the raters this item is assigned to. */
	done: number;
	assigned: number;
}

/**
 * Per-item progress (the shared items of absolute rounds; repeats and pairwise comparisons are
 * each one rater's). Checkpoint-free, so safe before unblinding; ordered by case and code, never
 * by anything that follows the checkpoint.
 */
export async function itemProgress(db: Db, round: Round): Promise<ItemProgress[]> {
	const roundId = round.id;
	const { scored, done } = answered(db, round);
	return db
		.select({
			code: items.code,
			caseId: cases.externalId,
			assigned: count(assignments.id),
			done
		})
		.from(items)
		.innerJoin(outputs, eq(outputs.id, items.outputId))
		.innerJoin(cases, eq(cases.id, outputs.caseId))
		.leftJoin(assignments, eq(assignments.itemId, items.id))
		.leftJoin(scored, eq(scored.assignmentId, assignments.id))
		.where(eq(items.roundId, roundId))
		.groupBy(items.id, cases.externalId, cases.position)
		.orderBy(asc(cases.position), asc(items.code));
}
