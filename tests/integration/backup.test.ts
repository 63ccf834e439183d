/**
 * Backup and restore on both databases and across them: a study with every kind of row (cases,
 * checkpoints, generated and imported outputs, a round, raters, assignments, ratings, comments,
 * corrections, sessions, audit rows, generation jobs, file digests, plus values chosen to break
 * a careless format) is backed up, restored into fresh PGlite and PostgreSQL databases, and
 * compared table by table, row by row, in PostgreSQL's own text form. Damaged files, a non-empty
 * target and other migrations are refused without writing anything. The CLI runs for real.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { eq, is, max, sql } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../../src/lib/errors';
import * as audit from '../../src/lib/server/audit/record';
import { CLI } from '../../src/lib/server/auth/actors';
import * as users from '../../src/lib/server/auth/users';
import {
	readBackupHeader,
	restoreBackup,
	writeBackup,
	type BackupSummary
} from '../../src/lib/server/backup';
import type { Database, Db } from '../../src/lib/server/db';
import * as schema from '../../src/lib/server/db/schema';
import { generateStudy } from '../../src/lib/server/generation/job';
import * as rating from '../../src/lib/server/rating';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { ROUND_TABLES } from '../support/study-tables';
import { TEST_DATABASES } from '../support/databases';
import { buildTinyModelOnce, copyDemoStudy } from '../support/fixtures';
import { runCli } from '../support/gen-study';

/** Text no format may lose: quotes, backslashes, control characters, line separators, emoji. */
const AWKWARD = 'Zeile 1\nZeile 2\t"zitiert" \\ back\\slash \u0001 \u2028 ü ß 🩺 \'single\'';
/** A json value whose key order and spacing must survive (jsonb would sort and respace it). */
const JSON_TEXT = '{"z": 1,  "a" : {"y": [3, 2, 1], "b": null}, "ü": "\\"q\\"\\n", "a": 2}';

async function rowsOf<T>(db: Db, query: ReturnType<typeof sql>): Promise<T[]> {
	const result = (await db.execute(query)) as unknown;
	return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/**
 * Every table of the public schema (found in the catalog, not from the app's own list), each
 * row as row_to_json text (every column, exact: json text verbatim, microseconds, floats in
 * shortest exact form), sorted.
 */
async function snapshot(database: Database): Promise<Record<string, string[]>> {
	return database.db.transaction(async (tx) => {
		await tx.execute(sql.raw(`set local timezone to 'UTC'`));
		await tx.execute(sql.raw(`set local extra_float_digits to 3`));
		const tables = await rowsOf<{ name: string }>(
			tx,
			sql`select tablename as name from pg_tables where schemaname = 'public' order by 1`
		);
		const out: Record<string, string[]> = {};
		for (const { name } of tables) {
			const rows = await rowsOf<{ r: string }>(
				tx,
				sql.raw(`select row_to_json(t)::text as r from "${name}" t`)
			);
			out[name] = rows.map((r) => r.r).sort();
		}
		return out;
	});
}

/** The same through drizzle's typed selects: what the app itself reads back. */
async function typedSnapshot(database: Database): Promise<Record<string, unknown[]>> {
	const out: Record<string, unknown[]> = {};
	for (const [key, table] of Object.entries(schema)) {
		if (!is(table, PgTable)) continue;
		const rows = (await database.db.select().from(table)) as Record<string, unknown>[];
		out[key] = rows
			.map((r) => [JSON.stringify(r), r] as const)
			.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
			.map(([, r]) => r);
	}
	return out;
}

/** Splits off the one audit row a restore adds (asserting it is there, last and by the CLI). */
async function withoutRestoreRow(database: Database, sourceMaxAuditId: number) {
	const restoreRows = await database.db
		.select()
		.from(schema.auditLog)
		.where(eq(schema.auditLog.action, 'database.restore'));
	expect(restoreRows).toHaveLength(1);
	const row = restoreRows[0]!;
	// The sequence continued after the restored rows.
	expect(row.id).toBe(sourceMaxAuditId + 1);
	expect(row.actorType).toBe('cli');
	const snap = await snapshot(database);
	snap.audit_log = snap.audit_log!.filter((r) => !r.includes('"action":"database.restore"'));
	return { snap, row };
}

function isEmpty(snap: Record<string, string[]>): boolean {
	return Object.values(snap).every((rows) => rows.length === 0);
}

/** A study with rows in every table, through the services, plus awkward values set directly. */
async function buildStudy(database: Database, work: string): Promise<void> {
	const { db } = database;
	const dir = copyDemoStudy(work, 'study');
	await importStudy(db, CLI, loadStudy(dir));
	expect(
		await generateStudy(db, CLI, loadStudy(dir), { checkpoint: 'tiny-random', parallel: 2 })
	).toMatchObject({ errors: 0 });
	const [study] = await db.select().from(schema.studies);
	const round = await rounds.create(db, CLI, {
		studyId: study!.id,
		name: 'Round 1',
		checkpointNames: ['llama3-8b-instruct', 'llama3-8b-qlora-letters'],
		seed: 'fixed'
	});
	await rounds.transition(db, CLI, round.id, 'open');
	const links = [
		await rounds.addRater(db, CLI, round.id, { name: 'Dr A', email: 'a@clinic.example' }),
		await rounds.addRater(db, CLI, round.id, { name: 'Dr B' })
	];
	for (const [r, link] of links.entries()) {
		const rater = (await rating.raterFromToken(db, link.token))!;
		const order = (await rating.currentRound(db, rater))!;
		for (const slot of order.slots.slice(0, 3 - r)) {
			const view = await rating.item(db, rater, slot.code);
			for (const [i, d] of view.form.dimensions.entries())
				await rating.saveScore(db, rater, slot.code, d.key, ((slot.position + i) % 4) + 1);
			await rating.saveComment(db, rater, slot.code, view.form.dimensions[0]!.key, 'Too long.');
			await rating.saveComment(db, rater, slot.code, '', 'Overall fine, über-kurz.');
			await rating.saveCorrection(db, rater, slot.code, `Sehr geehrte Kollegin,\n${slot.code}`);
			await rating.addTime(db, rater, slot.code, 37 + r);
		}
	}
	await users.create(db, CLI, {
		email: 'coord@clinic.example',
		name: 'Coordinator',
		password: 'a long enough password'
	});
	expect(await users.signIn(db, 'coord@clinic.example', 'a long enough password')).toBeTruthy();

	// Values chosen to break a careless format.
	await db.execute(
		sql`insert into cases (study_id, external_id, position, source, reference)
			values (${study!.id}, 'TRICKY-1', 99, ${JSON_TEXT}::json, ${AWKWARD})`
	);
	const [comment] = await db.select().from(schema.comments).limit(1);
	await db
		.update(schema.comments)
		.set({ body: AWKWARD })
		.where(eq(schema.comments.id, comment!.id));
	const [output] = await db.select().from(schema.outputs).limit(1);
	await db.execute(
		sql`update outputs set tokens_per_second = 0.1,
			lease_expires_at = '2026-01-02 03:04:05.123456+05:30', lease_owner = ${AWKWARD}
			where id = ${output!.id}`
	);
	await db.execute(
		sql`insert into file_digests (path, size, mtime_ms, sha256, computed_at)
			values ('/models/huge.gguf', 9007199254740991, 1790000000123, 'ab',
				'1999-12-31 23:59:59.999999+00')`
	);
	await audit.record(db, CLI, {
		action: 'test.awkward',
		entity: 'test',
		before: { text: AWKWARD, n: 1.5e300, nested: [{ b: 1, a: [null, true, false] }] },
		after: null
	});
}

async function errorOf(p: Promise<unknown>): Promise<Error> {
	try {
		await p;
	} catch (e) {
		return e as Error;
	}
	throw new Error('expected a refusal');
}

function expectLineIssue(e: Error, line: number | undefined, message: RegExp): void {
	expect(e, e.message).toBeInstanceOf(ValidationError);
	const issue = (e as ValidationError).issues[0]!;
	expect(issue.line, e.message).toBe(line);
	expect(issue.message).toMatch(message);
}

function readLines(file: string): string[] {
	return zlib.gunzipSync(fs.readFileSync(file)).toString('utf8').split('\n');
}

function writeLines(file: string, lines: string[]): void {
	fs.writeFileSync(file, zlib.gzipSync(lines.join('\n')));
}

/** 1-based number of the first row line of a table. */
function firstRowLine(lines: string[], table: string): number {
	const start = lines.findIndex((l) => l.startsWith(`{"table":"${table}"`));
	expect(lines[start + 1]!.startsWith('[')).toBe(true);
	return start + 2;
}

describe.each(TEST_DATABASES)('backup from $name', (source) => {
	let database: Database;
	let work: string;
	let file: string;
	let summary: BackupSummary;
	let expected: Record<string, string[]>;
	let expectedTyped: Record<string, unknown[]>;
	let maxAuditId: number;

	beforeAll(async () => {
		await buildTinyModelOnce();
		work = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-backup-'));
		database = await source.create();
		await buildStudy(database, work);
		file = path.join(work, 'blindeval.backup.gz');
		summary = await writeBackup(database.db, file);
		expected = await snapshot(database);
		expectedTyped = await typedSnapshot(database);
		maxAuditId = Math.max(...(await database.db.select().from(schema.auditLog)).map((r) => r.id));
	});
	afterAll(async () => {
		await database?.close();
		if (work) fs.rmSync(work, { recursive: true, force: true });
	});

	it('writes every table of the study to one gzip file', async () => {
		const filled = [
			...ROUND_TABLES,
			'comments',
			'corrections',
			'users',
			'sessions',
			'audit_log',
			'generation_jobs',
			'file_digests'
		];
		for (const t of filled) expect(expected[t]?.length, t).toBeGreaterThan(0);
		// Every table of the database is in the file, whatever the app adds later.
		expect([...summary.header.tables].sort()).toEqual(Object.keys(expected).sort());
		for (const t of summary.tables) expect(t.rows, t.table).toBe(expected[t.table]!.length);
		expect(fs.readFileSync(file).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
		expect(fs.statSync(file).mode & 0o077).toBe(0);
		expect(fs.existsSync(`${file}.partial`)).toBe(false);

		const header = await readBackupHeader(file);
		expect(header).toMatchObject({
			format: 'blindeval-backup',
			version: 1,
			app: { name: 'blindeval', version: expect.any(String) }
		});
		expect(header.migrations.map((m) => m.tag)).toContain('0000_init');
		expect(header.migrations.every((m) => /^[0-9a-f]{64}$/.test(m.hash))).toBe(true);
		expect(Date.parse(header.createdAt)).toBeGreaterThan(Date.parse('2020-01-01'));
	});

	it.each(TEST_DATABASES)(
		'restores into a fresh $name database: every row of every table exact',
		async (target) => {
			const fresh = await target.create();
			try {
				const restored = await restoreBackup(fresh.db, file);
				expect(restored.rows).toBe(summary.rows);
				const { snap, row } = await withoutRestoreRow(fresh, maxAuditId);
				expect(snap).toEqual(expected);
				expect(row.after).toMatchObject({
					file: path.basename(file),
					backupCreatedAt: summary.header.createdAt,
					rows: { outputs: expected.outputs!.length }
				});
				const typed = await typedSnapshot(fresh);
				typed.auditLog = typed.auditLog!.filter(
					(r) => (r as { action: string }).action !== 'database.restore'
				);
				expect(typed).toEqual(expectedTyped);
				// The json column kept its text; the restored database works on (sequences).
				const [tricky] = await rowsOf<{ s: string }>(
					fresh.db,
					sql`select source::text as s from cases where external_id = 'TRICKY-1'`
				);
				expect(tricky!.s).toBe(JSON_TEXT);
				await audit.record(fresh.db, CLI, { action: 'test.after', entity: 'test' });
				const [after] = await fresh.db
					.select()
					.from(schema.auditLog)
					.where(eq(schema.auditLog.action, 'test.after'));
				expect(after!.id).toBe(maxAuditId + 2);
			} finally {
				await fresh.close();
			}
		}
	);

	it('restores a gunzipped copy of the file as well', async () => {
		const plain = path.join(work, 'plain.jsonl');
		fs.writeFileSync(plain, zlib.gunzipSync(fs.readFileSync(file)));
		const fresh = await source.create();
		try {
			await restoreBackup(fresh.db, plain);
			expect((await withoutRestoreRow(fresh, maxAuditId)).snap).toEqual(expected);
		} finally {
			await fresh.close();
		}
	});

	it('refuses to restore into a database that holds data, and changes nothing', async () => {
		const e = await errorOf(restoreBackup(database.db, file));
		expect(e).toBeInstanceOf(ConflictError);
		expect(e.message).toMatch(/not empty.*--force/s);
		expect(await snapshot(database)).toEqual(expected);
	});

	it('--force replaces the data of a database that holds some', async () => {
		const other = await source.create();
		try {
			await importStudy(other.db, CLI, loadStudy('studies/demo'));
			await users.create(other.db, CLI, {
				email: 'other@clinic.example',
				name: 'Other',
				password: 'another long password'
			});
			await restoreBackup(other.db, file, { force: true });
			const { snap, row } = await withoutRestoreRow(other, maxAuditId);
			expect(snap).toEqual(expected);
			expect(row.after).toMatchObject({ replacedData: true });
		} finally {
			await other.close();
		}
	});

	describe('refuses a damaged file, naming the line, and writes nothing', () => {
		let target: Database;
		beforeAll(async () => {
			target = await source.create();
		});
		afterAll(async () => {
			await target?.close();
		});

		async function refused(damaged: string): Promise<Error> {
			const e = await errorOf(restoreBackup(target.db, damaged));
			expect(isEmpty(await snapshot(target)), 'the target stays empty').toBe(true);
			return e;
		}

		it('compressed data cut short', async () => {
			const cut = path.join(work, 'cut-bytes.gz');
			const bytes = fs.readFileSync(file);
			fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
			const e = await refused(cut);
			expect(e).toBeInstanceOf(ValidationError);
			const issue = (e as ValidationError).issues[0]!;
			expect(issue.line).toBeGreaterThan(1);
			expect(issue.message).toMatch(/damaged or cut short after line \d+/);
		});

		it('lines cut off at the end', async () => {
			const lines = readLines(file);
			const keep = firstRowLine(lines, 'outputs') + 3;
			const cut = path.join(work, 'cut-lines.gz');
			writeLines(cut, lines.slice(0, keep));
			expectLineIssue(await refused(cut), keep, /without its end line, inside table outputs/);
		});

		it('a line that is not JSON', async () => {
			const lines = readLines(file);
			const n = firstRowLine(lines, 'ratings');
			lines[n - 1] = lines[n - 1]!.slice(0, 20);
			const bad = path.join(work, 'bad-json.gz');
			writeLines(bad, lines);
			expectLineIssue(await refused(bad), n, /not valid JSON/);
		});

		it('a value that does not fit its column', async () => {
			const lines = readLines(file);
			const n = firstRowLine(lines, 'assignments') + 1;
			const row = JSON.parse(lines[n - 1]!) as (string | null)[];
			row[0] = 'not-a-uuid';
			lines[n - 1] = JSON.stringify(row);
			const bad = path.join(work, 'bad-value.gz');
			writeLines(bad, lines);
			expectLineIssue(await refused(bad), n, /table assignments: .*uuid/);
		});

		it('a changed value (the checksum)', async () => {
			const lines = readLines(file);
			const n = lines.findIndex((l) => l.startsWith('[') && l.includes('"Dr A"')) + 1;
			lines[n - 1] = lines[n - 1]!.replace('"Dr A"', '"Dr X"');
			const bad = path.join(work, 'changed.gz');
			writeLines(bad, lines);
			const endLine = lines.findIndex((l) => l.startsWith('{"end":true')) + 1;
			expectLineIssue(await refused(bad), endLine, /checksum does not match/);
		});

		it('a file that is not a backup', async () => {
			const other = path.join(work, 'not-a-backup.gz');
			writeLines(other, ['{"hello":"world"}']);
			expectLineIssue(await refused(other), 1, /this is not a blindeval backup/);
		});

		it('written at other migrations', async () => {
			const lines = readLines(file);
			const header = JSON.parse(lines[0]!);
			header.migrations.push({ tag: '9999_future', hash: 'f'.repeat(64), createdAt: 1 });
			lines[0] = JSON.stringify(header);
			const newer = path.join(work, 'newer.gz');
			writeLines(newer, lines);
			const e = await refused(newer);
			expect(e).toBeInstanceOf(ConflictError);
			expect(e.message).toMatch(/another database version.*9999_future/s);
		});
	});

	it('never replaces an existing file unless asked', async () => {
		const before = fs.readFileSync(file);
		const e = await errorOf(writeBackup(database.db, file));
		expect(e).toBeInstanceOf(ConflictError);
		expect(fs.readFileSync(file)).toEqual(before);
		const again = await writeBackup(database.db, file, { overwrite: true });
		expect(again.rows).toBe(summary.rows);
	});
});

describe.each(TEST_DATABASES)('backup and restore CLI from $name', (source) => {
	const target = TEST_DATABASES.find((d) => d.name !== source.name)!;
	let work: string;

	beforeAll(() => {
		work = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-backup-cli-'));
	});
	afterAll(() => {
		if (work) fs.rmSync(work, { recursive: true, force: true });
	});

	it(`backs up with the CLI and restores into ${target.name}`, async () => {
		const from = await source.createShared();
		const to = await target.createShared();
		try {
			let expected: Record<string, string[]>;
			let maxAuditId: number;
			{
				const d = await from.open();
				try {
					await importStudy(d.db, CLI, loadStudy('studies/demo'));
					const [study] = await d.db.select().from(schema.studies);
					const round = await rounds.create(d.db, CLI, {
						studyId: study!.id,
						name: 'R',
						checkpointNames: ['llama3-8b-instruct']
					});
					await rounds.transition(d.db, CLI, round.id, 'open');
					const link = await rounds.addRater(d.db, CLI, round.id, { name: 'Dr C' });
					const rater = (await rating.raterFromToken(d.db, link.token))!;
					const slot = (await rating.currentRound(d.db, rater))!.slots[0]!;
					await rating.saveScore(d.db, rater, slot.code, 'salutation', 3);
					expected = await snapshot(d);
					const [m] = await d.db.select({ n: max(schema.auditLog.id) }).from(schema.auditLog);
					maxAuditId = m!.n!;
				} finally {
					await d.close();
				}
			}
			const file = path.join(work, `${source.name}.backup.gz`);
			const backup = await runCli(['backup', file], from.env);
			expect(backup.code, backup.stderr).toBe(0);
			expect(backup.stdout).toMatch(/Wrote .* patient data/);

			const restore = await runCli(['restore', file], to.env);
			expect(restore.code, restore.stderr).toBe(0);
			expect(restore.stdout).toMatch(new RegExp(`Restored .* into ${target.name}`));
			{
				const d = await to.open();
				try {
					const { snap } = await withoutRestoreRow(d, maxAuditId);
					expect(snap).toEqual(expected);
				} finally {
					await d.close();
				}
			}

			// A second restore finds data and refuses (exit 1, a message, no stack).
			const again = await runCli(['restore', file], to.env);
			expect(again.code).toBe(1);
			expect(again.stderr).toMatch(/not empty/);
			expect(again.stderr).not.toMatch(/\n\s+at /);
			const forced = await runCli(['restore', file, '--force'], to.env);
			expect(forced.code, forced.stderr).toBe(0);

			// A damaged file: exit 1, the line named.
			const lines = readLines(file);
			const cut = path.join(work, `${source.name}.cut.gz`);
			writeLines(cut, lines.slice(0, 5));
			const bad = await runCli(['restore', cut, '--force'], to.env);
			expect(bad.code).toBe(1);
			expect(bad.stderr).toMatch(/line 5: .*cut short/);
		} finally {
			await from.drop();
			await to.drop();
		}
	});
});

// Only PGlite has a data folder that one process holds at a time.
describe('backup CLI while the server holds the PGlite data folder', () => {
	const pglite = TEST_DATABASES.find((d) => d.name === 'pglite')!;
	let work: string;

	beforeAll(() => {
		work = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-backup-held-'));
	});
	afterAll(() => {
		if (work) fs.rmSync(work, { recursive: true, force: true });
	});

	it('fails clearly while another process holds the PGlite data folder', async () => {
		const shared = await pglite.createShared();
		try {
			const held = await shared.open();
			const file = path.join(work, 'held.gz');
			try {
				const r = await runCli(['backup', file], shared.env);
				expect(r.code).toBe(1);
				expect(r.stderr).toMatch(/in use by process \d+/);
				expect(r.stderr).not.toMatch(/\n\s+at /);
				expect(fs.existsSync(file)).toBe(false);
			} finally {
				await held.close();
			}
			const r = await runCli(['backup', file], shared.env);
			expect(r.code, r.stderr).toBe(0);
		} finally {
			await shared.drop();
		}
	});
});
