/**
 * Cases files (CSV or JSONL) as bytes: size, encoding, parsing and validation, with every
 * problem collected and named by file, line (CSV row, header = 1) and field. The study-folder
 * loader and the browser upload both parse through here, so the two accept the same files.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { ValidationError, type Issue } from '../errors';
import { textLines, type Line } from './lines';
import {
	csvRecordToCase,
	readJsonl,
	validateCases,
	type CaseRow,
	type Located
} from './study-definition';
import { safeName, unstorableText } from './text-input';
import { sizeProblem } from './upload-limits';

interface Parsed {
	rows: Located<unknown>[];
	issues: Issue[];
}

/**
 * Offset of the first byte that is not part of well-formed UTF-8 (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF), or -1 when all of it is.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
	let i = 0;
	while (i < bytes.length) {
		const lead = bytes[i]!;
		if (lead < 0x80) {
			i++;
			continue;
		}
		const more = lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : 3;
		if (lead < 0xc2 || lead > 0xf4 || i + more >= bytes.length) return i;
		let cp = lead & (0x3f >> more);
		for (let k = 1; k <= more; k++) {
			const next = bytes[i + k]!;
			if ((next & 0xc0) !== 0x80) return i;
			cp = (cp << 6) | (next & 0x3f);
		}
		const min = [0, 0x80, 0x800, 0x10000][more]!;
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
		i += more + 1;
	}
	return -1;
}

/** Decodes an uploaded file as UTF-8 (a leading BOM dropped), refusing anything else. */
export function decodeUpload(bytes: Uint8Array, file: string): string {
	const tooBig = sizeProblem(bytes.length);
	if (tooBig) throw new ValidationError([{ file, message: tooBig }]);
	if (bytes.length === 0) throw new ValidationError([{ file, message: 'is empty' }]);
	const bad = firstInvalidUtf8(bytes);
	if (bad >= 0) {
		let line = 1;
		for (let i = 0; i < bad; i++) if (bytes[i] === 0x0a) line++;
		throw new ValidationError([
			{
				file,
				line,
				message: `is not valid UTF-8 (byte ${bad}); save it as UTF-8 and upload it again`
			}
		]);
	}
	return new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');
}

/**
 * CSV records from lines: a record ends where its quotes balance (RFC 4180 quotes come in pairs,
 * so an odd count so far means a quoted field runs on to the next line). Blank lines between
 * records are skipped; a record is named by the line it ends on, as csv-parse counts.
 */
function* csvRecords(lines: Iterable<Line>): Generator<Line> {
	let parts: string[] = [];
	let last = 0;
	let quotes = 0;
	for (const { line, text } of lines) {
		if (parts.length === 0 && text.trim() === '') continue;
		parts.push(text);
		last = line;
		for (let i = text.indexOf('"'); i >= 0; i = text.indexOf('"', i + 1)) quotes++;
		if (quotes % 2 === 0) {
			yield { line, text: parts.join('\n') };
			parts = [];
			quotes = 0;
		}
	}
	if (parts.length) yield { line: last, text: parts.join('\n') };
}

const CSV_OPTIONS = { relax_column_count: true, trim: true };

/** One CSV record's cells, or the reason it is not CSV (without the text csv-parse quotes). */
function csvCells(text: string): string[] | string {
	try {
		const [cells] = parseCsv(text, CSV_OPTIONS) as string[][];
		return cells ?? [];
	} catch (e) {
		return `invalid CSV (${(e as Error).message.split(':')[0]})`;
	}
}

const CSV_BATCH = 256 * 1024;

/**
 * Each record's cells (or why it is not CSV), parsed by csv-parse in batches of about 256 KB:
 * one call per record costs about 2.5 times as much. A batch that fails is parsed again record by
 * record, so the error names its record and the others are still checked.
 */
function* csvParsed(lines: Iterable<Line>): Generator<{ line: number; cells: string[] | string }> {
	let batch: Line[] = [];
	let size = 0;
	function* flush() {
		const records = batch;
		batch = [];
		size = 0;
		let all: string[][] | undefined;
		try {
			all = parseCsv(records.map((r) => r.text).join('\n'), CSV_OPTIONS) as string[][];
		} catch {
			all = undefined; // located below, record by record
		}
		if (all?.length === records.length) {
			for (let i = 0; i < records.length; i++) yield { line: records[i]!.line, cells: all[i]! };
		} else for (const r of records) yield { line: r.line, cells: csvCells(r.text) };
	}
	for (const record of csvRecords(lines)) {
		batch.push(record);
		size += record.text.length;
		if (size >= CSV_BATCH) yield* flush();
	}
	if (batch.length) yield* flush();
}

/** CSV cases, record by record: the header row names the columns (see csvRecordToCase). */
function parseCasesCsv(lines: Iterable<Line>, file: string): Parsed {
	const issues: Issue[] = [];
	const rows: Located<unknown>[] = [];
	let columns: string[] | undefined;
	for (const { line, cells: record } of csvParsed(lines)) {
		if (typeof record === 'string') {
			issues.push({ file, line, message: record });
			continue;
		}
		// The database cannot store NUL; CSV text decoded from UTF-8 holds no lone surrogate, but
		// text handed over as a string might.
		let unstorable = false;
		record.forEach((cell, i) => {
			const message = unstorableText(cell);
			if (!message) return;
			unstorable = true;
			const name = columns?.[i] ?? `column ${i + 1}`;
			issues.push({ file, line, field: safeName(name), message });
		});
		if (!columns) {
			columns = record;
			columns.forEach((name, i) => {
				if (name === '')
					issues.push({ file, line, message: `column ${i + 1} of the header has no name` });
				else if (record.indexOf(name) !== i)
					issues.push({ file, line, field: name, message: 'is a repeated column' });
			});
			if (!columns.includes('id')) issues.push({ file, line, message: 'has no "id" column' });
			continue;
		}
		if (unstorable) continue;
		if (record.length !== columns.length) {
			issues.push({
				file,
				line,
				message: `has ${record.length} cells but the header has ${columns.length} columns`
			});
			continue;
		}
		const values = Object.fromEntries(columns.map((c, i) => [c, record[i]!]));
		rows.push({ line, value: csvRecordToCase(values) });
	}
	return { rows, issues };
}

/**
 * Parses and validates a cases file line by line (CSV or JSONL, by the file's name); throws one
 * ValidationError listing every issue. Every malformed line is reported, and the well-formed
 * ones are still checked.
 */
export function parseCases(lines: Iterable<Line>, file: string): Located<CaseRow>[] {
	const parsed = /\.csv$/i.test(file) ? parseCasesCsv(lines, file) : readJsonl(lines, file);
	const issues = [...parsed.issues];
	let cases: Located<CaseRow>[] = [];
	try {
		cases = validateCases(parsed.rows, file);
	} catch (e) {
		if (!(e instanceof ValidationError)) throw e;
		// "has no cases" is noise when every row was refused already.
		issues.push(...e.issues.filter((i) => !(parsed.issues.length && i.line === undefined)));
	}
	if (issues.length)
		throw new ValidationError(
			issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
			`${file} is not valid`
		);
	return cases;
}

/** parseCases over a text already in memory. */
export function parseCasesText(text: string, file: string): Located<CaseRow>[] {
	return parseCases(textLines(text), file);
}

/** An uploaded cases file: size and encoding first, then everything parseCasesText checks. */
export function parseCasesUpload(bytes: Uint8Array, file: string): Located<CaseRow>[] {
	if (!/\.(csv|jsonl)$/i.test(file))
		throw new ValidationError([{ file, message: 'must be a .csv or .jsonl file' }]);
	return parseCasesText(decodeUpload(bytes, file), file);
}

export interface CasesPreview {
	count: number;
	columns: string[];
	rows: string[][];
}

const cell = (v: unknown) => {
	const s = v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
	return s.length > 80 ? `${s.slice(0, 79)}…` : s;
};

/**
 * Rows of an upload the preview sends to the browser (cells cut to 80 characters), which shows
 * them a page at a time; a longer file is counted in full and its first rows shown.
 */
export const PREVIEW_ROWS = 10_000;

/** The first rows of a parsed cases file as a table: id, site, source fields, gold labels. */
export function previewCases(cases: Located<CaseRow>[], limit = 5): CasesPreview {
	const first = cases.slice(0, limit).map((c) => c.value);
	const sourceKeys = [...new Set(first.flatMap((c) => Object.keys(c.source)))];
	const columns = ['id', 'site', ...sourceKeys, 'reference', 'gold.modality', 'gold.icd10'];
	const rows = first.map((c) => [
		c.id,
		cell(c.site),
		...sourceKeys.map((k) => cell(c.source[k])),
		cell(c.reference),
		cell(c.gold?.modality),
		cell(c.gold?.icd10)
	]);
	return { count: cases.length, columns, rows };
}
