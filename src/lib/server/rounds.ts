/**
 * Rating rounds: creation (items frozen under random codes) and the lifecycle draft → open →
 * locked → unblinded, each transition checked and audited. One namespace for routes, the CLI and
 * tests (`import * as rounds`): raters and their links (rounds/raters.ts) and progress
 * (rounds/progress.ts) are re-exported here; the round page's data is rounds/overview.ts.
 */
import { and, asc, eq, inArray, notExists, sql } from 'drizzle-orm';
import { DEFAULT_DESIGN, describeDesign, type RoundDesignOptions } from '../domain/round-options';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import type { StoredDesign } from '../domain/round-options';
import { assignRaters, designOf, insertBatched } from './assign';
import { requireCoordinator, requireId } from './rounds/checks';
import * as leakage from './rounds/leakage';
import type { Actor } from './auth/actors';
import { newToken } from './auth/tokens';
import * as analysisPlans from './analysis-plans';
import * as audit from './audit/record';
import * as checks from './studies/checks';
import type { Db } from './db';
import {
	assignments,
	checkpoints,
	items,
	outputs,
	roundRaters,
	rounds,
	studies
} from './db/schema';
import { newItemCode } from './item-codes';
import { taskOfRound } from './rounds/task';

export { designOf };
export { addRater, reissueLink, revokeLink, type NewRater } from './rounds/raters';
export { progress, itemProgress, type RaterProgress, type ItemProgress } from './rounds/progress';

export type Round = typeof rounds.$inferSelect;
export type RoundStatus = Round['status'];

const NEXT: Record<RoundStatus, RoundStatus | null> = {
	draft: 'open',
	open: 'locked',
	locked: 'unblinded',
	unblinded: null
};

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
		/** The study task it rates (multi-task studies; default: the first task with a form). */
		task?: string;
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
		const task = taskOfRound(study, input.task);
		if (options.kind === 'pairwise' && chosen.length < 2)
			throw new ValidationError([
				{ field: 'checkpoints', message: 'a pairwise round compares at least two checkpoints' }
			]);
		const outs = await tx
			.select({ id: outputs.id, checkpointId: outputs.checkpointId, status: outputs.status })
			.from(outputs)
			.where(
				and(
					inArray(
						outputs.checkpointId,
						chosen.map((c) => c.id)
					),
					eq(outputs.task, task.key)
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
				form: task.form,
				task: task.key,
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
				...(study.tasks ? { task: task.key } : {}),
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
	// Leakage is checked on the current training data before opening, outside the opening's
	// transaction so the refreshed result stays when the opening is refused.
	const current = to === 'open' ? await get(db, roundId) : null;
	const rechecked = current?.status === 'draft' ? await leakage.refresh(db, current) : [];
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
		// Leakage (issue 13): checked again on the current training data; cases found there (or
		// a file that cannot be read any more) need a confirmation.
		if (to === 'open') {
			await leakage.recordAtOpening(tx, actor, round, rechecked, !!opts.confirmLeakage);
			await checks.requireLeakageConfirmed(tx, actor, round, !!opts.confirmLeakage);
		}
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
