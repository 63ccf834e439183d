/**
 * Backup through COPY and restore through COPY … FROM STDIN give what the row-by-row paths gave,
 * on both databases, for the demo study and a study of awkward values (backslashes, tabs, CR,
 * LF, quotes, `\N` as text, Unicode, empty strings): every row line of the file equals the
 * JSON text the row-by-row backup read for that row, in the same order, and a restore into a
 * fresh database of either kind holds every row of every table as it was.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../../src/lib/server/auth/actors';
import { appTables, restoreBackup, writeBackup } from '../../src/lib/server/backup';
import type { Database, Db } from '../../src/lib/server/db';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { buildAwkwardStudy } from '../support/awkward-study';
import { TEST_DATABASES } from '../support/databases';

async function rowsOf<T>(db: Db, query: ReturnType<typeof sql.raw>): Promise<T[]> {
	const result = (await db.execute(query)) as unknown;
	return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** What the row-by-row backup wrote for each table: its query, one row at a time. */
async function reference(database: Database): Promise<Record<string, string[]>> {
	return database.db.transaction(async (tx) => {
		await tx.execute(sql.raw(`set local timezone to 'UTC'`));
		await tx.execute(sql.raw(`set local datestyle to 'ISO, YMD'`));
		await tx.execute(sql.raw(`set local extra_float_digits to 3`));
		const out: Record<string, string[]> = {};
		for (const t of appTables()) {
			const columns = await rowsOf<{ name: string }>(
				tx,
				sql.raw(`select attname as name from pg_attribute where attrelid = to_regclass('${t.sqlName}')
					and attnum > 0 and not attisdropped and attgenerated = '' order by attnum`)
			);
			const pk = await rowsOf<{ name: string }>(
				tx,
				sql.raw(`select a.attname as name from pg_index i join pg_attribute a
					on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
					where i.indrelid = to_regclass('${t.sqlName}') and i.indisprimary
					order by array_position(i.indkey::int2[], a.attnum)`)
			);
			const values = columns.map((c) => `"${c.name}"::text`).join(', ');
			const order = pk.length ? ` order by ${pk.map((c) => `"${c.name}"`).join(', ')}` : '';
			const rows = await rowsOf<{ r: string }>(
				tx,
				sql.raw(
					`select array_to_json(array[${values}]::text[])::text as r from ${t.sqlName}${order}`
				)
			);
			out[t.name] = rows.map((r) => r.r);
		}
		return out;
	});
}

function fileRows(file: string): Record<string, string[]> {
	const lines = zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').split('\n');
	const out: Record<string, string[]> = {};
	let table = '';
	for (const line of lines) {
		if (line.startsWith('[')) out[table]!.push(line);
		else if (line.startsWith('{"table":')) out[(table = JSON.parse(line).table)] = [];
	}
	return out;
}

describe.each(TEST_DATABASES)('COPY backup and restore from $name', (source) => {
	let database: Database;
	let work: string;
	let file: string;
	let expected: Record<string, string[]>;

	beforeAll(async () => {
		database = await source.create();
		work = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-bulk-backup-'));
		await importStudy(database.db, CLI, loadStudy('studies/demo'));
		await buildAwkwardStudy(database.db);
		file = path.join(work, 'b.gz');
		await writeBackup(database.db, file);
		expected = await reference(database);
	}, 300_000);
	afterAll(async () => {
		await database?.close();
		if (work) fs.rmSync(work, { recursive: true, force: true });
	});

	it('writes each row as the row-by-row backup did, in the same order', () => {
		const rows = fileRows(file);
		expect(Object.keys(rows)).toEqual(appTables().map((t) => t.name));
		expect(rows).toEqual(expected);
		expect(rows.ratings!.length).toBeGreaterThan(40);
		expect(rows.comments!.some((r) => r.includes('\\\\N'))).toBe(true);
	});

	it('writes the same rows in pages of a few rows (many COPY statements on PGlite)', async () => {
		const paged = path.join(work, 'paged.gz');
		const summary = await writeBackup(database.db, paged, { pageRows: 3 });
		expect(fileRows(paged)).toEqual(expected);
		expect(summary.rows).toBe(Object.values(expected).reduce((n, rows) => n + rows.length, 0));
	});

	for (const target of TEST_DATABASES)
		it(`restores into a fresh ${target.name} database: every row as it was`, async () => {
			const fresh = await target.create();
			try {
				const summary = await restoreBackup(fresh.db, file);
				expect(summary.rows).toBe(Object.values(expected).reduce((s, r) => s + r.length, 0));
				const restored = await reference(fresh);
				// The restore adds its own audit row; every other row is as it was.
				expect(restored.audit_log!.slice(0, -1)).toEqual(expected.audit_log);
				expect({ ...restored, audit_log: [] }).toEqual({ ...expected, audit_log: [] });
			} finally {
				await fresh.close();
			}
		}, 300_000);
});
