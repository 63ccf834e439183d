/**
 * Claiming several outputs in one round trip (leases.claim with a limit), on both databases: the
 * claims come back oldest first, concurrent workers never get the same output, and an output
 * whose lease expired (its worker died) is claimed again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../../src/lib/server/auth/actors';
import type { Database } from '../../src/lib/server/db';
import { checkpoints, outputs } from '../../src/lib/server/db/schema';
import * as leases from '../../src/lib/server/generation/leases';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { TEST_DATABASES } from '../support/databases';
import { writeGenStudy } from '../support/gen-study';

describe.each(TEST_DATABASES)('claiming outputs on $name', (target) => {
	let database: Database;
	let root: string;
	let checkpointId: string;

	beforeAll(async () => {
		database = await target.create();
		root = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-claims-'));
		const dir = await writeGenStudy(root, { cases: 12, checkpoints: { a: {} } });
		await importStudy(database.db, CLI, loadStudy(dir));
		const [checkpoint] = await database.db.select().from(checkpoints);
		checkpointId = checkpoint!.id;
	});
	afterAll(async () => {
		await database?.close();
		if (root) fs.rmSync(root, { recursive: true, force: true });
	});

	const reset = () =>
		database.db
			.update(outputs)
			.set({ status: 'pending', leaseOwner: null, leaseExpiresAt: null, attempts: 0 })
			.where(eq(outputs.checkpointId, checkpointId));
	const oldestFirst = async () =>
		(
			await database.db
				.select({ id: outputs.id })
				.from(outputs)
				.where(eq(outputs.checkpointId, checkpointId))
				.orderBy(asc(outputs.createdAt), asc(outputs.id))
		).map((r) => r.id);

	it('hands out several outputs oldest first, then the rest, then nothing', async () => {
		await reset();
		const order = await oldestFirst();
		expect(order).toHaveLength(12);
		const first = await leases.claim(database.db, checkpointId, 'w1', 60, 5);
		const second = await leases.claim(database.db, checkpointId, 'w1', 60, 10);
		expect(first.map((r) => r.id)).toEqual(order.slice(0, 5));
		expect(second.map((r) => r.id)).toEqual(order.slice(5));
		expect(await leases.claim(database.db, checkpointId, 'w1', 60, 4)).toEqual([]);
		const rows = await database.db.select().from(outputs);
		expect(rows.every((r) => r.status === 'running' && r.leaseOwner === 'w1')).toBe(true);
		expect(rows.every((r) => r.attempts === 1)).toBe(true);
	});

	it('never hands one output to two workers claiming at the same time', async () => {
		await reset();
		const workers = ['w1', 'w2', 'w3', 'w4'];
		const got = new Map(workers.map((w) => [w, [] as string[]]));
		await Promise.all(
			workers.map(async (worker) => {
				for (;;) {
					const rows = await leases.claim(database.db, checkpointId, worker, 60, 3);
					got.get(worker)!.push(...rows.map((r) => r.id));
					if (rows.length < 3) return;
				}
			})
		);
		const all = [...got.values()].flat();
		expect(all).toHaveLength(12);
		expect(new Set(all).size).toBe(12);
		const rows = await database.db.select().from(outputs);
		for (const row of rows) expect(got.get(row.leaseOwner!)).toContain(row.id);
		expect(rows.every((r) => r.attempts === 1)).toBe(true);
	});

	it("claims again an output whose worker's lease expired, and only that one", async () => {
		await reset();
		const dead = await leases.claim(database.db, checkpointId, 'dead', 60, 3);
		await leases.claim(database.db, checkpointId, 'alive', 60, 9);
		await database.db
			.update(outputs)
			.set({ leaseExpiresAt: sql`now() - interval '1 second'` })
			.where(eq(outputs.leaseOwner, 'dead'));
		const again = await leases.claim(database.db, checkpointId, 'new', 60, 5);
		expect(again.map((r) => r.id)).toEqual(dead.map((r) => r.id));
		const rows = await database.db.select().from(outputs).where(eq(outputs.leaseOwner, 'new'));
		expect(rows.every((r) => r.attempts === 2)).toBe(true);
	});
});
