/**
 * The join every reader of rated letters needs, written once: item → output → case, and the
 * output's checkpoint where the reader may know it. Used by the rater's item (no checkpoint: it
 * is blinded), the exports and the round analysis. Apply it to a dynamic select
 * (`db.select(…).from(items).$dynamic()` or one that has joined `items` already).
 */
import { eq } from 'drizzle-orm';
import type { PgSelect } from 'drizzle-orm/pg-core';
import { cases, checkpoints, items, outputs } from './schema';

/** item → output → case: what a rater may see of an item. */
export function itemCase<T extends PgSelect>(query: T) {
	return query
		.innerJoin(outputs, eq(outputs.id, items.outputId))
		.innerJoin(cases, eq(cases.id, outputs.caseId));
}

/** item → output → case, and the output's checkpoint: for coordinators' exports and analysis. */
export function itemCaseCheckpoint<T extends PgSelect>(query: T) {
	return itemCase(query).innerJoin(checkpoints, eq(checkpoints.id, outputs.checkpointId));
}
