/** New rows of an import through COPY, with errors that name the file and line of the row. */
import { ValidationError } from '../../errors';
import type { Db } from '../db';
import { copyIn } from '../db/copy';

/** Characters of COPY text per statement: memory stays bounded however large the study. */
const COPY_CHARS = 2 * 1024 * 1024;

/**
 * New rows through COPY, in statements of about COPY_CHARS, all in one savepoint (the file has
 * been validated already, so a refusal here is a database constraint): an error names the file
 * and the line of the row COPY reports.
 */
export async function copyRows<T extends { line: number }>(
	tx: Db,
	target: string,
	file: string,
	rows: T[],
	/** The row in COPY's text format, written when its statement is (not all at once). */
	text: (row: T) => string
): Promise<void> {
	if (!rows.length) return;
	let start = 0;
	try {
		await tx.transaction(async (sp) => {
			while (start < rows.length) {
				const data: string[] = [];
				let chars = 0;
				for (let i = start; i < rows.length && chars < COPY_CHARS; i++) {
					data.push(text(rows[i]!));
					chars += data.at(-1)!.length + 1;
				}
				await copyIn(sp, target, data.join('\n') + '\n');
				start += data.length;
			}
		});
	} catch (e) {
		const where = /\bline (\d+)\b/.exec(String((e as { where?: unknown }).where ?? ''));
		const row = where ? rows[start + Number(where[1]) - 1] : undefined;
		const message = e instanceof Error ? e.message : String(e);
		throw new ValidationError(
			[row ? { file, line: row.line, message } : { file, message }],
			'The study cannot be imported'
		);
	}
}
