/**
 * The server's PostgreSQL pool prepares drizzle's queries that have parameters (db/index.ts):
 * named once per connection, then only bound and executed, instead of parsed, planned and
 * described every time. `?prepare=false` in the URL turns it off. PostgreSQL only: PGlite has no
 * connections or prepared statements of its own.
 */
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import { describe, expect, it } from 'vitest';
import { RecoveringPool } from '../../src/lib/server/db';

const adminUrl = process.env.TEST_DATABASE_URL;

/** A one-connection pool on the test database, with extra URL settings. */
function poolWith(query: string): RecoveringPool {
	const url = new URL(adminUrl!);
	url.search = query;
	return new RecoveringPool(url.toString());
}

/** Runs the same query with a parameter three times; returns the answers and the statements
 * prepared on the pool's one connection that hold it. */
async function runThrice(pool: RecoveringPool): Promise<{ answers: number[]; prepared: number }> {
	const db = drizzle(pool.client);
	const answers: number[] = [];
	for (const n of [7, 8, 9]) {
		const rows = (await db.execute(sql`select ${n}::int + 1 as answer`)) as unknown as {
			answer: number;
		}[];
		answers.push(rows[0]!.answer);
	}
	const [row] = await pool.client<{ n: number }[]>`
		select count(*)::int as n from pg_prepared_statements
		where statement = ${'select $1::int + 1 as answer'}`;
	return { answers, prepared: row!.n };
}

describe.runIf(adminUrl)('prepared statements on PostgreSQL', () => {
	it('prepares a query with parameters once per connection and answers every run', async () => {
		const pool = poolWith('max=1');
		try {
			await pool.warm();
			expect(await runThrice(pool)).toEqual({ answers: [8, 9, 10], prepared: 1 });
		} finally {
			await pool.close();
		}
	});

	it('prepares nothing with ?prepare=false in the URL', async () => {
		const pool = poolWith('max=1&prepare=false');
		try {
			expect(await runThrice(pool)).toEqual({ answers: [8, 9, 10], prepared: 0 });
		} finally {
			await pool.close();
		}
	});
});
