/**
 * Turns a round's design into rows: which rater sees which item, in which order. The designs
 * themselves are pure and property-tested (domain/designs.ts); this module reads a round's items
 * or outputs, asks the design, and writes what it returns — new items for repeated showings and
 * for pairwise comparisons, and the assignments — inside the caller's transaction.
 *
 * Seeds: `<study seed>/<round seed>`, and each rater's order is seeded by the rater's id, so a
 * rater added later to a fully crossed round gets exactly the order they would have had at
 * opening, and the whole design can be rebuilt from the database at any time.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import {
	buildDesign,
	pairwiseDesign,
	type DesignItem,
	type DesignReport,
	type DesignSpec,
	type PairwiseReport
} from '../domain/designs';
import { DEFAULT_DESIGN, type StoredDesign } from '../domain/round-options';
import { ValidationError } from '../errors';
import type { Db } from './db';
import { assignments, cases, checkpoints, items, outputs, rounds } from './db/schema';
import { newItemCode } from './item-codes';

/** Rows per INSERT: well under PostgreSQL's 65,535 parameters. */
const BATCH = 1000;

export async function insertBatched<T>(rows: T[], insert: (batch: T[]) => Promise<unknown>) {
	for (let i = 0; i < rows.length; i += BATCH) await insert(rows.slice(i, i + BATCH));
}

/** The design a round was created with (rounds created before designs existed: fully crossed). */
export function designOf(round: typeof rounds.$inferSelect): StoredDesign {
	return { ...DEFAULT_DESIGN, checkpoints: [], ...(round.design as Partial<StoredDesign>) };
}

function specOf(design: StoredDesign): DesignSpec {
	return design.type === 'balanced'
		? { type: 'balanced', ratersPerItem: design.ratersPerItem ?? 1 }
		: { type: 'fully-crossed' };
}

/**
 * Builds and writes the assignments of `raterIds` in `round` (a single-item or pairwise round).
 * Returns the design's report (balance figures) for the round's record, and how many
 * assignments were written.
 *
 * @throws ValidationError when the design cannot be built (e.g. fewer raters than k per item).
 */
export async function assignRaters(
	tx: Db,
	round: typeof rounds.$inferSelect,
	studySeed: string,
	raterIds: string[]
): Promise<{ report: DesignReport | PairwiseReport; assigned: number } | null> {
	if (!raterIds.length) return null;
	const design = designOf(round);
	const seed = `${studySeed}/${round.seed}`;
	const raters = raterIds.map((id) => ({ id }));
	try {
		if (round.kind === 'pairwise') return await assignPairwise(tx, round, design, seed, raters);
		return await assignAbsolute(tx, round, design, seed, raters);
	} catch (e) {
		if (e instanceof ValidationError) throw e;
		// The pure design refuses impossible requests with a plain Error: say it as a field issue.
		throw new ValidationError([{ field: 'design', message: (e as Error).message }]);
	}
}

async function assignAbsolute(
	tx: Db,
	round: typeof rounds.$inferSelect,
	design: StoredDesign,
	seed: string,
	raters: { id: string }[]
): Promise<{ report: DesignReport; assigned: number }> {
	const rows = await tx
		.select({
			id: items.id,
			outputId: items.outputId,
			caseKey: outputs.caseId,
			checkpointKey: outputs.checkpointId
		})
		.from(items)
		.innerJoin(outputs, eq(outputs.id, items.outputId))
		.where(and(eq(items.roundId, round.id), isNull(items.repeatOfItemId)));
	const outputOf = new Map(rows.map((r) => [r.id, r.outputId]));
	const { assignments: planned, report } = buildDesign(rows, raters, specOf(design), {
		seed,
		repeatShare: design.repeatShare
	});
	// A repeat is the same output under a new code, so nothing tells the rater it is one.
	const newItems: (typeof items.$inferInsert)[] = [];
	const values = planned.map((a) => {
		let itemId = a.itemId;
		if (a.repeatOf !== null) {
			itemId = randomUUID();
			newItems.push({
				id: itemId,
				roundId: round.id,
				outputId: outputOf.get(a.itemId)!,
				repeatOfItemId: a.itemId,
				code: newItemCode()
			});
		}
		return { roundId: round.id, raterId: a.raterId, itemId, position: a.position };
	});
	await insertBatched(newItems, (b) => tx.insert(items).values(b));
	await insertBatched(values, (b) => tx.insert(assignments).values(b));
	return { report, assigned: values.length };
}

async function assignPairwise(
	tx: Db,
	round: typeof rounds.$inferSelect,
	design: StoredDesign,
	seed: string,
	raters: { id: string }[]
): Promise<{ report: PairwiseReport; assigned: number }> {
	const outs: DesignItem[] = await tx
		.select({ id: outputs.id, caseKey: outputs.caseId, checkpointKey: outputs.checkpointId })
		.from(outputs)
		.innerJoin(checkpoints, eq(checkpoints.id, outputs.checkpointId))
		.innerJoin(cases, eq(cases.id, outputs.caseId))
		.where(
			and(
				eq(cases.studyId, round.studyId),
				inArray(checkpoints.name, design.checkpoints),
				eq(outputs.task, round.task),
				eq(outputs.status, 'done')
			)
		);
	const { comparisons, report } = pairwiseDesign(outs, raters, { seed, spec: specOf(design) });
	// One item per rater and comparison: each carries that rater's own left/right sides.
	const newItems: (typeof items.$inferInsert)[] = [];
	const values = comparisons.map((c) => {
		const id = randomUUID();
		newItems.push({
			id,
			roundId: round.id,
			outputId: c.leftItemId,
			rightOutputId: c.rightItemId,
			code: newItemCode()
		});
		return { roundId: round.id, raterId: c.raterId, itemId: id, position: c.position };
	});
	await insertBatched(newItems, (b) => tx.insert(items).values(b));
	await insertBatched(values, (b) => tx.insert(assignments).values(b));
	return { report, assigned: values.length };
}
