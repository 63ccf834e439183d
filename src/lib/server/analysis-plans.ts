// Over 300 lines: one plan's life (draft, save, lock, opt out, unblinding check), each audited.
/**
 * Pre-registered analysis plans of rounds (issue 13): written as YAML before unblinding, locked
 * by their SHA-256 (over the canonical JSON, domain/analysis-plan.ts) and immutable afterwards,
 * or explicitly opted out of. Every change is audited in its own transaction; unblinding checks
 * `requireForUnblinding` inside the transition's transaction (rounds.ts).
 */
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import {
	canonicalJson,
	describePlan,
	parseAnalysisPlan,
	type AnalysisPlan,
	type PlanScope
} from '../domain/analysis-plan';
import { ConflictError, formatIssue, NotFoundError, ValidationError } from '../errors';
import { designOf } from './assign';
import { canOptOutOfPlan, canWriteAnalysisPlan, requireThat } from './auth/access';
import type { Actor } from './auth/actors';
import * as audit from './audit/record';
import type { Db } from './db';
import { analysisPlans, rounds } from './db/schema';
import { ANALYSIS_PLAN_FILE, parseYamlText } from './studies/loader';

export type StoredPlan = typeof analysisPlans.$inferSelect;

/** A plan pasted into the round page is bounded like a study file's YAML (64 KiB is ample). */
export const MAX_PLAN_TEXT = 64 * 1024;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** SHA-256 (hex) of the plan's canonical JSON: the plan's identity, recorded when it is locked. */
export function planHash(plan: AnalysisPlan): string {
	return createHash('sha256').update(canonicalJson(plan)).digest('hex');
}

/** Coordinators and statisticians write and lock plans; only coordinators opt out. */
function requireWriter(actor: Actor, coordinatorOnly = false): void {
	requireThat(canWriteAnalysisPlan(actor), 'Raters cannot see analysis plans');
	if (coordinatorOnly)
		requireThat(
			canOptOutOfPlan(actor),
			'Only coordinators may opt a round out of pre-registration'
		);
}

async function roundFor(tx: Db, roundId: string) {
	if (!UUID.test(roundId)) throw new NotFoundError('Round not found');
	const [round] = await tx.select().from(rounds).where(eq(rounds.id, roundId)).for('update');
	if (!round) throw new NotFoundError('Round not found');
	return round;
}

/** The round's plan row, or null when nothing was written yet. */
export async function get(db: Db, actor: Actor, roundId: string): Promise<StoredPlan | null> {
	requireThat(canWriteAnalysisPlan(actor), 'Raters cannot see analysis plans');
	if (!UUID.test(roundId)) throw new NotFoundError('Round not found');
	const [row] = await db.select().from(analysisPlans).where(eq(analysisPlans.roundId, roundId));
	return row ?? null;
}

function refuseIfFixed(row: StoredPlan | undefined, roundName: string): void {
	if (row?.status === 'locked')
		throw new ConflictError(
			`The analysis plan of round "${roundName}" is locked (SHA-256 ${row.sha256}): it cannot change`
		);
	if (row?.status === 'opted-out')
		throw new ConflictError(
			`Round "${roundName}" was opted out of pre-registration: that decision is final`
		);
}

/**
 * Validates YAML (or JSON) text against the round's checkpoints and form dimensions, with
 * errors naming line and field of `display`.
 */
export function parsePlanText(text: string, display: string, scope: PlanScope): AnalysisPlan {
	if (text.length > MAX_PLAN_TEXT)
		throw new ValidationError([
			{ file: display, message: `is longer than ${MAX_PLAN_TEXT / 1024} KiB` }
		]);
	if (!text.trim()) throw new ValidationError([{ file: display, message: 'is empty' }]);
	const yaml = parseYamlText(text, display);
	return parseAnalysisPlan(yaml.value, scope, { file: display, lineOf: yaml.lineOf });
}

/** What a round's plan may name: its checkpoints, its form's dimensions, and its kind. */
function scopeOf(round: typeof rounds.$inferSelect): PlanScope {
	return {
		checkpoints: designOf(round).checkpoints ?? [],
		dimensions: round.form.dimensions.map((d) => d.key),
		kind: round.kind
	};
}

/** The audit row of a change to a round's plan (every one is recorded, in its transaction). */
function auditPlan(
	tx: Db,
	actor: Actor,
	round: typeof rounds.$inferSelect,
	action: 'analysis-plan.save' | 'analysis-plan.lock' | 'analysis-plan.opt-out',
	before: Record<string, unknown> | null,
	after: Record<string, unknown>
) {
	return audit.record(tx, actor, {
		action,
		entity: 'analysis-plan',
		entityId: round.id,
		studyId: round.studyId,
		before,
		after
	});
}

/** Writes (or rewrites) the round's draft plan. Refused once locked, opted out or unblinded. */
export async function save(
	db: Db,
	actor: Actor,
	roundId: string,
	text: string,
	display = 'analysis plan'
): Promise<StoredPlan> {
	requireWriter(actor);
	return db.transaction(async (tx) => {
		const round = await roundFor(tx, roundId);
		const [old] = await tx.select().from(analysisPlans).where(eq(analysisPlans.roundId, roundId));
		refuseIfFixed(old, round.name);
		if (round.status === 'unblinded')
			throw new ConflictError(`Round "${round.name}" is unblinded: it is too late to pre-register`);
		const plan = parsePlanText(text, display, scopeOf(round));
		const row = await upsert(tx, roundId, {
			status: 'draft',
			plan,
			source: text,
			updatedAt: new Date()
		});
		await auditPlan(
			tx,
			actor,
			round,
			'analysis-plan.save',
			old?.plan ? { sha256: planHash(old.plan) } : null,
			{ status: 'draft', sha256: planHash(plan) }
		);
		return row;
	});
}

/** Locks the draft: records its SHA-256 and the time in the row and the audit log, for good. */
export async function lock(db: Db, actor: Actor, roundId: string): Promise<StoredPlan> {
	requireWriter(actor);
	return db.transaction(async (tx) => {
		const round = await roundFor(tx, roundId);
		const [old] = await tx.select().from(analysisPlans).where(eq(analysisPlans.roundId, roundId));
		refuseIfFixed(old, round.name);
		if (!old?.plan)
			throw new ConflictError(
				`Round "${round.name}" has no analysis plan to lock: write one first`
			);
		if (round.status === 'unblinded')
			throw new ConflictError(`Round "${round.name}" is unblinded: it is too late to pre-register`);
		const sha256 = planHash(old.plan);
		const lockedAt = new Date();
		const [row] = await tx
			.update(analysisPlans)
			.set({ status: 'locked', sha256, lockedAt, updatedAt: lockedAt })
			.where(eq(analysisPlans.roundId, roundId))
			.returning();
		await auditPlan(
			tx,
			actor,
			round,
			'analysis-plan.lock',
			{ status: 'draft' },
			{ status: 'locked', sha256, lockedAt: lockedAt.toISOString() }
		);
		return row!;
	});
}

/** Records that the round is analysed without a pre-registered plan; printed on every report. */
export async function optOut(
	db: Db,
	actor: Actor,
	roundId: string,
	reason: string
): Promise<StoredPlan> {
	requireWriter(actor, true);
	const why = reason.trim();
	if (!why)
		throw new ValidationError([{ field: 'reason', message: 'say why the round has no plan' }]);
	if (why.length > 1000)
		throw new ValidationError([{ field: 'reason', message: 'at most 1000 characters' }]);
	return db.transaction(async (tx) => {
		const round = await roundFor(tx, roundId);
		if (round.status === 'unblinded')
			throw new ConflictError(`Round "${round.name}" is unblinded already`);
		const [old] = await tx.select().from(analysisPlans).where(eq(analysisPlans.roundId, roundId));
		refuseIfFixed(old, round.name);
		const row = await upsert(tx, roundId, {
			status: 'opted-out',
			plan: null,
			source: null,
			optOutReason: why,
			updatedAt: new Date()
		});
		await auditPlan(
			tx,
			actor,
			round,
			'analysis-plan.opt-out',
			old?.plan ? { status: 'draft', sha256: planHash(old.plan) } : null,
			{ status: 'opted-out', reason: why }
		);
		return row;
	});
}

/** Writes the round's one plan row, whether or not it exists yet (inside the caller's transaction). */
async function upsert(
	tx: Db,
	roundId: string,
	values: Partial<typeof analysisPlans.$inferInsert>
): Promise<StoredPlan> {
	const [row] = await tx
		.insert(analysisPlans)
		.values({ roundId, ...values })
		.onConflictDoUpdate({ target: analysisPlans.roundId, set: values })
		.returning();
	return row!;
}

/** Called inside the unblinding transaction: a locked plan or a recorded opt-out, or refusal. */
export async function requireForUnblinding(tx: Db, round: { id: string; name: string }) {
	const [row] = await tx.select().from(analysisPlans).where(eq(analysisPlans.roundId, round.id));
	if (row?.status !== 'locked' && row?.status !== 'opted-out')
		throw new ConflictError(
			`Round "${round.name}" cannot be unblinded before its analysis plan is locked (or the round is explicitly opted out of pre-registration)`
		);
}

/**
 * The locked plan as an OSF-style registration file: its canonical JSON, whose SHA-256 is the
 * one in the audit log, and that hash.
 */
export async function exportLocked(
	db: Db,
	actor: Actor,
	roundId: string
): Promise<{ text: string; sha256: string }> {
	const row = await get(db, actor, roundId);
	if (row?.status !== 'locked' || !row.plan)
		throw new ConflictError('Only a locked analysis plan can be exported');
	return { text: canonicalJson(row.plan), sha256: row.sha256! };
}

/** The plan as readable text, for the page and the CLI. */
export function describeStored(row: StoredPlan | null): string[] {
	if (!row) return ['No analysis plan yet.'];
	if (row.status === 'opted-out')
		return [`No pre-registered plan (opted out: ${row.optOutReason}).`];
	const lines = describePlan(row.plan!);
	return row.status === 'locked'
		? [...lines, `Locked ${row.lockedAt!.toISOString()}, SHA-256 ${row.sha256}.`]
		: [...lines, 'Draft: not locked yet.'];
}

/**
 * What the analysis of an unblinded round rests on: its locked plan (with the hash recomputed
 * from the stored plan), its opt-out, or nothing (rounds unblinded before plans existed).
 */
export async function forRound(
	db: Db,
	roundId: string
): Promise<
	| { kind: 'plan'; plan: AnalysisPlan; sha256: string; lockedAt: string; matchesLocked: boolean }
	| { kind: 'opted-out'; reason: string }
	| { kind: 'none' }
> {
	const [row] = await db.select().from(analysisPlans).where(eq(analysisPlans.roundId, roundId));
	if (row?.status === 'opted-out') return { kind: 'opted-out', reason: row.optOutReason ?? '' };
	if (row?.status !== 'locked' || !row.plan) return { kind: 'none' };
	return {
		kind: 'plan',
		plan: row.plan,
		sha256: row.sha256!,
		lockedAt: row.lockedAt!.toISOString(),
		matchesLocked: planHash(row.plan) === row.sha256
	};
}

/**
 * At round creation: the study's analysis-plan.yaml becomes the round's draft plan when it fits
 * the round (names only its checkpoints and dimensions). Returns what happened, for the
 * round.create audit row; a plan that does not fit is left out with the first reason.
 */
export async function draftFromStudy(
	tx: Db,
	round: typeof rounds.$inferSelect,
	source: string | null
): Promise<string | null> {
	if (!source) return null;
	let plan: AnalysisPlan;
	try {
		plan = parsePlanText(source, ANALYSIS_PLAN_FILE, scopeOf(round));
	} catch (e) {
		if (!(e instanceof ValidationError)) throw e;
		return `${ANALYSIS_PLAN_FILE} not copied: ${formatIssue(e.issues[0]!)}`;
	}
	await tx.insert(analysisPlans).values({ roundId: round.id, status: 'draft', plan, source });
	return `draft copied from ${ANALYSIS_PLAN_FILE} (SHA-256 ${planHash(plan)})`;
}
