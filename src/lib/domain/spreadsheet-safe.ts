/**
 * Spreadsheet-safe CSV ("CSV injection", OWASP): Excel and LibreOffice read a cell that begins
 * with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula, so a rater's comment such as
 * `=HYPERLINK("http://x","y")` would run when a coordinator opens the file. The exact exports
 * (long.csv, wide.csv) keep every cell as the rater wrote it, because they are data for R and
 * pandas; this module makes the copy meant for spreadsheets.
 *
 * The rule: every cell that begins with one of those characters, or with `'`, gets one `'` put
 * in front. A spreadsheet then shows it as text. The rule is reversible: removing the first `'`
 * of every cell that begins with `'` gives back the exact text (`exactCell`).
 */

/** The first characters that make a spreadsheet treat a cell as a formula (OWASP's list). */
export const FORMULA_TRIGGERS = ['=', '+', '-', '@', '\t', '\r'] as const;

/** The rule in words, for the codebook and the README. */
export const SPREADSHEET_SAFE_RULE =
	"In the spreadsheet-safe files (long-excel.csv, wide-excel.csv) every cell that begins with =, +, -, @, a tab, a carriage return or ' has one ' put in front, so Excel and LibreOffice show it as text instead of running it as a formula. Remove that first ' to get the exact text, or use long.csv / wide.csv, which hold every cell exactly as entered.";

const PREFIX = "'";
const QUOTE = 34; // "
const COMMA = 44;
const CR = 13;
const LF = 10;
const NEEDS_PREFIX = new Set([...FORMULA_TRIGGERS, PREFIX].map((c) => c.charCodeAt(0)));

/** One cell made safe: `'` in front when it begins with a trigger or with `'`. */
export function spreadsheetSafeCell(value: string): string {
	return value.length && NEEDS_PREFIX.has(value.charCodeAt(0)) ? PREFIX + value : value;
}

/** The inverse of spreadsheetSafeCell: the exact text of a spreadsheet-safe cell. */
export function exactCell(value: string): string {
	return value.startsWith(PREFIX) ? value.slice(1) : value;
}

type State = 'fieldStart' | 'unquoted' | 'quotedStart' | 'quoted' | 'quoteSeen';

/**
 * Rewrites RFC 4180 CSV text (as csv.ts or PostgreSQL's COPY … CSV write it, CRLF or LF line
 * ends) into its spreadsheet-safe form, chunk by chunk: a chunk may end anywhere, even inside a
 * quoted field, because the parser's state carries over. It only inserts `'` at the start of a
 * cell's content (inside the quotes of a quoted cell), so every other byte passes unchanged.
 */
export class SpreadsheetSafeCsv {
	#state: State = 'fieldStart';

	/** The safe form of the next chunk of the CSV text. */
	push(chunk: string): string {
		const inserts: number[] = [];
		let state = this.#state;
		for (let i = 0; i < chunk.length; i++) {
			const c = chunk.charCodeAt(i);
			switch (state) {
				case 'fieldStart':
					if (c === QUOTE) state = 'quotedStart';
					else if (c === COMMA || c === CR || c === LF) state = 'fieldStart';
					else {
						if (NEEDS_PREFIX.has(c)) inserts.push(i);
						state = 'unquoted';
					}
					break;
				case 'unquoted':
					if (c === COMMA || c === CR || c === LF) state = 'fieldStart';
					break;
				case 'quotedStart':
					// A quote here either closes an empty field or starts an escaped quote: neither
					// is a trigger, and 'quoteSeen' tells the two apart on the next character.
					if (c === QUOTE) state = 'quoteSeen';
					else {
						if (NEEDS_PREFIX.has(c)) inserts.push(i);
						state = 'quoted';
					}
					break;
				case 'quoted':
					if (c === QUOTE) state = 'quoteSeen';
					break;
				case 'quoteSeen':
					if (c === QUOTE) state = 'quoted';
					else if (c === COMMA || c === CR || c === LF) state = 'fieldStart';
					else state = 'unquoted'; // not RFC 4180; read on as the spreadsheet would
					break;
			}
		}
		this.#state = state;
		if (!inserts.length) return chunk;
		let out = '';
		let from = 0;
		for (const at of inserts) {
			out += chunk.slice(from, at) + PREFIX;
			from = at;
		}
		return out + chunk.slice(from);
	}
}

/** A UTF-8 byte order mark: without it Excel reads a UTF-8 CSV as the machine's legacy code page. */
export const BOM = '\uFEFF';

/** The spreadsheet-safe form of a CSV stream, with a BOM so Excel reads umlauts right. */
export async function* spreadsheetSafeChunks(
	chunks: AsyncIterable<string>
): AsyncGenerator<string> {
	const safe = new SpreadsheetSafeCsv();
	yield BOM;
	for await (const chunk of chunks) {
		const out = safe.push(chunk);
		if (out) yield out;
	}
}
