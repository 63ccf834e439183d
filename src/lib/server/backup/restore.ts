/**
 * Restoring a backup into a database migrated to exactly the backup's migrations, and empty (or
 * emptied first with `force`), in one transaction: on any problem nothing is written, and the
 * error names the file's line. Rows stream from the file into COPY in bounded batches.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { ConflictError } from '../../errors';
import * as audit from '../audit/record';
import { CLI } from '../auth/actors';
import type { Db } from '../db';
import { requireColumns, rows, useExactText, type CatalogColumn } from './catalog';
import {
	fileIssue,
	isRecord,
	parseHeader,
	parseJson,
	type BackupColumn,
	type Line,
	type RestoreOptions,
	type RestoreSummary,
	type TableCount
} from './format';
import { CopyInserter } from './inserter';
import { checkMigrations, defaultMigrationsDir } from './migrations';
import { readLines } from './reader';
import { appTables, quoteIdent, sqlString, type AppTable } from './tables';

/**
 * Restores `file` into `db`, which must be migrated to exactly the migrations the file was
 * written at, and empty (or `force`: emptied first). One transaction: on any problem nothing
 * is written. Sequences continue after the restored rows; the restore is audited last.
 */
export async function restoreBackup(
	db: Db,
	file: string,
	opts: RestoreOptions = {}
): Promise<RestoreSummary> {
	const tables = appTables();
	const byName = new Map(tables.map((t) => [t.name, t]));
	const migrationsDir = opts.migrationsDir ?? defaultMigrationsDir();
	const lines = readLines(file);
	try {
		const first = await lines.next();
		const header = parseHeader(file, first.done ? undefined : first.value);
		return await db.transaction(async (tx) => {
			await useExactText(tx);
			const target = new Map<string, CatalogColumn[]>();
			for (const t of tables) target.set(t.name, await requireColumns(tx, t));
			await checkMigrations(tx, header, migrationsDir);
			await tx.execute(
				sql.raw(`lock table ${tables.map((t) => t.sqlName).join(', ')} in access exclusive mode`)
			);
			const filled: string[] = [];
			for (const t of tables) {
				const [r] = await rows<{ any: boolean }>(
					tx,
					sql.raw(`select exists (select 1 from ${t.sqlName}) as any`)
				);
				if (r?.any) filled.push(t.name);
			}
			if (filled.length && !opts.force)
				throw new ConflictError(
					`The database is not empty (data in ${filled.join(', ')}): restore into an empty database, or add --force to replace everything in it with the backup.`
				);
			if (filled.length)
				await tx.execute(sql.raw(`truncate table ${tables.map((t) => t.sqlName).join(', ')}`));

			const hash = createHash('sha256');
			hash.update(first.done ? '' : first.value.text + '\n');
			const counts: TableCount[] = [];
			const done = new Set<string>();
			let current: {
				table: AppTable;
				insert: CopyInserter;
				rows: number;
				start: number;
			} | null = null;
			let end: Record<string, unknown> | null = null;
			let endLine = 0;

			let lastLine = 1;
			for await (const line of lines) {
				lastLine = line.number;
				if (end) {
					if (line.text.trim() === '') continue;
					throw fileIssue(file, line.number, 'follows the end line (the file is damaged)');
				}
				if (line.text.startsWith('[')) {
					if (!current)
						throw fileIssue(file, line.number, 'is a row outside any table (the file is damaged)');
					const row = parseJson(file, line);
					const n = current.insert.width;
					if (
						!Array.isArray(row) ||
						row.length !== n ||
						!row.every((v) => v === null || typeof v === 'string')
					)
						throw fileIssue(
							file,
							line.number,
							`is not a row of table ${current.table.name} (${n} text or null values)`
						);
					hash.update(line.text + '\n');
					await current.insert.add(line, row as (string | null)[]);
					current.rows++;
					continue;
				}
				const control = parseJson(file, line);
				if (!isRecord(control))
					throw fileIssue(file, line.number, 'is not valid here (the file is damaged)');
				if (typeof control.table === 'string') {
					if (current)
						throw fileIssue(
							file,
							line.number,
							`starts table ${control.table} before table ${current.table.name} has ended (the file is damaged)`
						);
					const table = byName.get(control.table);
					if (!table)
						throw fileIssue(
							file,
							line.number,
							`holds table "${control.table}", which this database does not have`
						);
					if (done.has(table.name))
						throw fileIssue(file, line.number, `holds table ${table.name} a second time`);
					const missing = table.parents.filter((p) => byName.has(p) && !done.has(p));
					if (missing.length)
						throw fileIssue(
							file,
							line.number,
							`holds table ${table.name} before ${missing.join(', ')}, which it references`
						);
					const columns = checkColumns(file, line, control.columns, target.get(table.name)!);
					hash.update(line.text + '\n');
					current = {
						table,
						insert: new CopyInserter(tx, file, table, columns),
						rows: 0,
						start: line.number
					};
					continue;
				}
				if (typeof control.tableEnd === 'string') {
					if (!current || control.tableEnd !== current.table.name)
						throw fileIssue(file, line.number, 'ends a table that was not started');
					if (control.rows !== current.rows)
						throw fileIssue(
							file,
							line.number,
							`says table ${current.table.name} has ${String(control.rows)} rows, but lines ${current.start + 1}–${line.number - 1} hold ${current.rows}`
						);
					await current.insert.flush();
					hash.update(line.text + '\n');
					counts.push({ table: current.table.name, rows: current.rows });
					done.add(current.table.name);
					current = null;
					continue;
				}
				if (control.end === true) {
					if (current)
						throw fileIssue(
							file,
							line.number,
							`ends the file inside table ${current.table.name} (the file is damaged)`
						);
					end = control;
					endLine = line.number;
					continue;
				}
				throw fileIssue(file, line.number, 'is not valid here (the file is damaged)');
			}
			const total = counts.reduce((s, c) => s + c.rows, 0);
			if (!end)
				throw fileIssue(
					file,
					lastLine,
					`the file ends here without its end line${current ? `, inside table ${current.table.name}` : ''}: it is cut short (an interrupted copy?)`
				);
			if (end.sha256 !== hash.digest('hex'))
				throw fileIssue(
					file,
					endLine,
					'the checksum does not match the content: the file was changed or damaged'
				);
			if (end.tables !== counts.length || end.rows !== total)
				throw fileIssue(file, endLine, 'the counts do not match the content (the file is damaged)');
			const absent = tables.filter((t) => !done.has(t.name)).map((t) => t.name);
			if (absent.length) throw fileIssue(file, undefined, `holds no table ${absent.join(', ')}`);

			// Serial and identity columns continue after the restored rows.
			for (const t of tables)
				for (const c of target.get(t.name)!)
					if (c.sequence)
						await tx.execute(
							sql.raw(
								`select setval(${sqlString(c.sequence)}, coalesce((select max(${quoteIdent(c.name)}) from ${t.sqlName}), 0) + 1, false)`
							)
						);
			await audit.record(tx, opts.actor ?? CLI, {
				action: 'database.restore',
				entity: 'database',
				after: {
					file: path.basename(file),
					backupCreatedAt: header.createdAt,
					backupApp: header.app,
					backupServer: header.server,
					replacedData: filled.length > 0,
					rows: Object.fromEntries(counts.map((c) => [c.table, c.rows]))
				}
			});
			return { file, header, tables: counts, rows: total };
		});
	} finally {
		await lines.return(undefined);
	}
}

function checkColumns(
	file: string,
	line: Line,
	given: unknown,
	target: CatalogColumn[]
): CatalogColumn[] {
	if (
		!Array.isArray(given) ||
		!given.every((c) => isRecord(c) && typeof c.name === 'string' && typeof c.type === 'string')
	)
		throw fileIssue(file, line.number, 'has a damaged column list');
	const cols = given as BackupColumn[];
	const byName = new Map(target.map((c) => [c.name, c]));
	const differ =
		cols.length !== target.length ||
		cols.some((c) => byName.get(c.name)?.type !== c.type) ||
		new Set(cols.map((c) => c.name)).size !== cols.length;
	if (differ) {
		const show = (cs: { name: string; type: string }[]) =>
			cs.map((c) => `${c.name} ${c.type}`).join(', ');
		throw fileIssue(
			file,
			line.number,
			`has other columns than this database's table: file (${show(cols)}), database (${show(target)})`
		);
	}
	return cols.map((c) => byName.get(c.name)!);
}
