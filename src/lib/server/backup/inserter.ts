/**
 * Writing a table's restored rows: COPY in bounded batches, and when a batch fails, the line of
 * the file that made it fail.
 */
import { sql } from 'drizzle-orm';
import type { ValidationError } from '../../errors';
import type { Db } from '../db';
import { copyIn, copyRow } from '../db/copy';
import type { CatalogColumn } from './catalog';
import { fileIssue, type Line } from './format';
import { quoteIdent, type AppTable } from './tables';

/**
 * Characters of COPY text per statement when restoring (a savepoint each). Small enough that a
 * batch dies young in V8 (2 MB batches were promoted and grew RSS with the size restored).
 */
const COPY_BYTES = 256 * 1024;
/** The most rows / bytes per INSERT when a failing batch is searched for its line. */
const INSERT_ROWS = 500;
const INSERT_BYTES = 4 * 1024 * 1024;

/**
 * Writes rows with COPY … FROM STDIN (text format) in batches of about COPY_BYTES, each in a
 * savepoint. A failing batch is named by the line COPY reports; when it reports none (a foreign
 * key, checked at the end of the statement) the batch is inserted again row by row to find it.
 * A table that references itself is sent in one batch, so a row may point to a later one.
 */
export class CopyInserter {
	private lines: Line[] = [];
	private data: string[] = [];
	private bytes = 0;
	readonly width: number;
	private readonly target: string;
	private readonly limit: number;

	constructor(
		private readonly tx: Db,
		private readonly file: string,
		private readonly table: AppTable,
		private readonly columns: CatalogColumn[]
	) {
		this.width = columns.length;
		this.target = `${table.sqlName} (${columns.map((c) => quoteIdent(c.name)).join(', ')})`;
		this.limit = table.selfReferencing ? Infinity : COPY_BYTES;
	}

	async add(line: Line, row: (string | null)[]): Promise<void> {
		this.lines.push(line);
		const text = copyRow(row);
		this.data.push(text);
		this.bytes += text.length;
		if (this.bytes >= this.limit) await this.flush();
	}

	async flush(): Promise<void> {
		const lines = this.lines;
		const data = this.data;
		this.lines = [];
		this.data = [];
		this.bytes = 0;
		if (!lines.length) return;
		try {
			await this.tx.transaction((sp) => copyIn(sp, this.target, data.join('\n') + '\n'));
		} catch (e) {
			const where = /\bline (\d+)\b/.exec(String((e as { where?: unknown }).where ?? ''));
			const at = where ? lines[Number(where[1]) - 1] : undefined;
			if (at) throw rowError(this.file, this.table, at, e);
			// No line named: find it row by row, as the INSERT path did.
			const insert = new Inserter(this.tx, this.file, this.table, this.columns);
			for (const line of lines) await insert.add(line);
			await insert.flush();
			throw rowError(this.file, this.table, lines[0]!, e);
		}
	}
}

function rowError(file: string, table: AppTable, line: Line, e: unknown): ValidationError {
	const cause = (e as { cause?: unknown }).cause ?? e;
	const message = cause instanceof Error ? cause.message : String(cause);
	return fileIssue(file, line.number, `cannot be restored into table ${table.name}: ${message}`);
}

/** Inserts rows in batches; a failing batch is retried row by row to name the failing line. */
class Inserter {
	private batch: Line[] = [];
	private bytes = 0;
	readonly width: number;
	private readonly prefix: string;

	constructor(
		private readonly tx: Db,
		private readonly file: string,
		private readonly table: AppTable,
		columns: CatalogColumn[]
	) {
		this.width = columns.length;
		const names = columns.map((c) => quoteIdent(c.name)).join(', ');
		const values = columns.map((c, i) => `(e.r->>${i})::${c.type}`).join(', ');
		const overriding = columns.some((c) => c.identity === 'a') ? ' overriding system value' : '';
		this.prefix = `insert into ${table.sqlName} (${names})${overriding} select ${values} from jsonb_array_elements(`;
	}

	async add(line: Line): Promise<void> {
		this.batch.push(line);
		this.bytes += line.text.length;
		if (this.batch.length >= INSERT_ROWS || this.bytes >= INSERT_BYTES) await this.flush();
	}

	async flush(): Promise<void> {
		const batch = this.batch;
		this.batch = [];
		this.bytes = 0;
		if (!batch.length) return;
		try {
			await this.tx.transaction((sp) => this.insert(sp, batch));
		} catch (e) {
			if (batch.length > 1)
				for (const line of batch) {
					try {
						await this.tx.transaction((sp) => this.insert(sp, [line]));
					} catch (e1) {
						throw this.rowError(line, e1);
					}
				}
			throw this.rowError(batch[0]!, e);
		}
	}

	private async insert(db: Db, batch: Line[]): Promise<void> {
		const payload = `[${batch.map((l) => l.text).join(',')}]`;
		await db.execute(sql`${sql.raw(this.prefix)}${payload}::text::jsonb) as e(r)`);
	}

	private rowError(line: Line, e: unknown): ValidationError {
		const cause = (e as { cause?: unknown }).cause ?? e;
		const message = cause instanceof Error ? cause.message : String(cause);
		return fileIssue(
			this.file,
			line.number,
			`cannot be restored into table ${this.table.name}: ${message}`
		);
	}
}
