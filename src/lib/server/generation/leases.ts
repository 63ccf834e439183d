/**
 * Row leases on outputs, so several `generate` workers (on several machines, one PostgreSQL)
 * share a checkpoint's work without computing anything twice:
 * - claim: pending outputs (or ones whose lease expired: their worker died), several in one
 *   round trip, taken with FOR UPDATE SKIP LOCKED so concurrent workers never take the same row;
 * - extend: the holder renews its leases on a heartbeat, well before they expire;
 * - complete: a result is written only while the worker still holds the lease;
 * - release: on cancel, held outputs go back to pending.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { and, asc, eq, inArray, like, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { isDeadLocalWorker } from '../process-alive';
import { outputs } from '../db/schema';

/** host/pid/random: the host and pid let a restarted worker recover its dead leases at once. */
export function newWorkerId(): string {
	return `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
}

/**
 * Claims up to `limit` outputs (pending, or running under an expired lease) in one round trip,
 * oldest first by (created_at, id). FOR UPDATE SKIP LOCKED makes concurrent claims take disjoint
 * rows: no output is ever handed to two workers. Fewer rows than `limit` means none were left.
 */
export async function claim(
	db: Db,
	checkpointId: string,
	worker: string,
	leaseSeconds: number,
	limit = 1
): Promise<{ id: string; caseId: string }[]> {
	const next = db
		.select({ id: outputs.id })
		.from(outputs)
		.where(
			and(
				eq(outputs.checkpointId, checkpointId),
				or(
					eq(outputs.status, 'pending'),
					and(eq(outputs.status, 'running'), lt(outputs.leaseExpiresAt, sql`now()`))
				)
			)
		)
		.orderBy(asc(outputs.createdAt), asc(outputs.id))
		.limit(limit)
		.for('update', { skipLocked: true });
	const rows = await db
		.update(outputs)
		.set({
			status: 'running',
			leaseOwner: worker,
			leaseExpiresAt: sql`now() + make_interval(secs => ${leaseSeconds})`,
			attempts: sql`${outputs.attempts} + 1`,
			updatedAt: new Date()
		})
		.where(inArray(outputs.id, next))
		.returning({
			id: outputs.id,
			caseId: outputs.caseId,
			// Fixed width, to the microsecond (a JavaScript Date keeps milliseconds only).
			created: sql<string>`to_char(${outputs.createdAt} at time zone 'UTC', 'YYYYMMDDHH24MISSUS')`
		});
	// RETURNING follows no order: put the claims back in the order they were chosen. Both keys
	// sort as text as PostgreSQL sorts them (uuids in byte order, i.e. lower-case hex order).
	const key = (r: { created: string; id: string }) => `${r.created}/${r.id}`;
	rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
	return rows.map(({ id, caseId }) => ({ id, caseId }));
}

export async function extend(db: Db, worker: string, leaseSeconds: number): Promise<void> {
	await db
		.update(outputs)
		.set({ leaseExpiresAt: sql`now() + make_interval(secs => ${leaseSeconds})` })
		.where(and(eq(outputs.leaseOwner, worker), eq(outputs.status, 'running')));
}

export async function release(db: Db, worker: string): Promise<void> {
	await db
		.update(outputs)
		.set({ status: 'pending', leaseOwner: null, leaseExpiresAt: null })
		.where(and(eq(outputs.leaseOwner, worker), eq(outputs.status, 'running')));
}

/**
 * Leases held by dead processes of this host return to the pool at once, instead of after
 * their expiry: a `kill -9` followed by a restart resumes without waiting.
 */
export async function recoverDeadLocal(db: Db, checkpointId: string): Promise<number> {
	const held = await db
		.select({ id: outputs.id, owner: outputs.leaseOwner })
		.from(outputs)
		.where(
			and(
				eq(outputs.checkpointId, checkpointId),
				eq(outputs.status, 'running'),
				like(outputs.leaseOwner, `${hostname()}/%`)
			)
		);
	const dead = held.filter((h) => isDeadLocalWorker(h.owner));
	if (dead.length)
		await db
			.update(outputs)
			.set({ status: 'pending', leaseOwner: null, leaseExpiresAt: null })
			.where(
				inArray(
					outputs.id,
					dead.map((d) => d.id)
				)
			);
	return dead.length;
}
