/**
 * Analysis tables and exports of a round. Checkpoint identities appear only after unblinding:
 * every function here refuses a round that is not unblinded.
 */
import { asc, eq } from 'drizzle-orm';
import { summarizeByGroup, type CellSummary } from '../analysis/descriptive';
import { toCsv } from '../domain/csv';
import { ConflictError, ForbiddenError } from '../errors';
import type { Actor } from './auth/actors';
import type { Db } from './db';
import { assignments, cases, checkpoints, items, outputs, raters, ratings } from './db/schema';
import * as roundsService from './rounds';

export const LONG_COLUMNS = [
	'study',
	'round',
	'rater',
	'case_id',
	'item_code',
	'checkpoint',
	'position',
	'dimension',
	'score',
	'rated_at',
	'updated_at'
] as const;

export type LongRow = Record<(typeof LONG_COLUMNS)[number], string | number | Date>;

async function requireUnblinded(db: Db, actor: Actor, roundId: string) {
	if (actor.type === 'rater') throw new ForbiddenError('Raters cannot export');
	const round = await roundsService.get(db, roundId);
	if (round.status !== 'unblinded')
		throw new ConflictError(
			`Round "${round.name}" is ${round.status}: lock and unblind it before analysing by checkpoint`
		);
	return round;
}

/** One row per rating, ordered by rater, position and the form's dimension order. */
export async function longRows(db: Db, actor: Actor, roundId: string): Promise<LongRow[]> {
	const round = await requireUnblinded(db, actor, roundId);
	const { slug } = (await db.query.studies.findFirst({
		where: (s, { eq: is }) => is(s.id, round.studyId),
		columns: { slug: true }
	}))!;
	const rows = await db
		.select({
			rater: raters.pseudonym,
			caseId: cases.externalId,
			code: items.code,
			checkpoint: checkpoints.name,
			position: assignments.position,
			dimension: ratings.dimension,
			score: ratings.score,
			createdAt: ratings.createdAt,
			updatedAt: ratings.updatedAt
		})
		.from(ratings)
		.innerJoin(assignments, eq(assignments.id, ratings.assignmentId))
		.innerJoin(raters, eq(raters.id, assignments.raterId))
		.innerJoin(items, eq(items.id, assignments.itemId))
		.innerJoin(outputs, eq(outputs.id, items.outputId))
		.innerJoin(cases, eq(cases.id, outputs.caseId))
		.innerJoin(checkpoints, eq(checkpoints.id, outputs.checkpointId))
		.where(eq(assignments.roundId, roundId))
		.orderBy(asc(raters.pseudonym), asc(assignments.position));
	const dimOrder = new Map(round.form.dimensions.map((d, i) => [d.key, i]));
	rows.sort(
		(a, b) =>
			a.rater.localeCompare(b.rater) ||
			a.position - b.position ||
			(dimOrder.get(a.dimension) ?? 99) - (dimOrder.get(b.dimension) ?? 99)
	);
	return rows.map((r) => ({
		study: slug,
		round: round.name,
		rater: r.rater,
		case_id: r.caseId,
		item_code: r.code,
		checkpoint: r.checkpoint,
		position: r.position + 1,
		dimension: r.dimension,
		score: r.score,
		rated_at: r.createdAt,
		updated_at: r.updatedAt
	}));
}

export async function longCsv(db: Db, actor: Actor, roundId: string): Promise<string> {
	return toCsv(LONG_COLUMNS, await longRows(db, actor, roundId));
}

export interface MeanTable {
	checkpoints: string[];
	dimensions: { key: string; label: string }[];
	cells: CellSummary[];
}

/** Mean score (and SD, n) per checkpoint and dimension. */
export async function meanTable(db: Db, actor: Actor, roundId: string): Promise<MeanTable> {
	const round = await requireUnblinded(db, actor, roundId);
	const rows = await longRows(db, actor, roundId);
	const design = round.design as { checkpoints?: string[] };
	const names = [
		...new Set([...(design.checkpoints ?? []), ...rows.map((r) => String(r.checkpoint))])
	].sort();
	const dimensions = round.form.dimensions.map((d) => ({ key: d.key, label: d.label }));
	const cells = summarizeByGroup(
		rows.map((r) => ({
			group: String(r.checkpoint),
			dimension: String(r.dimension),
			score: Number(r.score)
		})),
		names,
		dimensions.map((d) => d.key)
	);
	return { checkpoints: names, dimensions, cells };
}
