/**
 * Cases files (CSV or JSONL) as bytes: size, encoding, parsing and validation, with every
 * problem collected and named by file, line (CSV row, header = 1) and field. The study-folder
 * loader and the browser upload both parse through here, so the two accept the same files.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { ValidationError, type Issue } from '../errors';
import {
	csvRecordToCase,
	parseJsonl,
	validateCases,
	type CaseRow,
	type Located
} from './study-definition';
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

/** CSV cases: the header row names the columns (see csvRecordToCase); each row is checked. */
function parseCasesCsv(text: string, file: string): Parsed {
	let records: { record: string[]; info: { lines: number } }[];
	try {
		records = parseCsv(text, {
			skip_empty_lines: true,
			relax_column_count: true,
			trim: true,
			info: true
		}) as unknown as typeof records;
	} catch (e) {
		const err = e as Error & { lines?: number };
		return { rows: [], issues: [{ file, line: err.lines, message: err.message }] };
	}
	const [header, ...body] = records;
	if (!header) return { rows: [], issues: [] };
	const issues: Issue[] = [];
	const columns = header.record;
	columns.forEach((name, i) => {
		if (name === '')
			issues.push({ file, line: 1, message: `column ${i + 1} of the header has no name` });
		else if (columns.indexOf(name) !== i)
			issues.push({ file, line: 1, field: name, message: 'is a repeated column' });
	});
	if (!columns.includes('id')) issues.push({ file, line: 1, message: 'has no "id" column' });
	const rows: Located<unknown>[] = [];
	for (const { record, info } of body) {
		if (record.length !== columns.length) {
			issues.push({
				file,
				line: info.lines,
				message: `has ${record.length} cells but the header has ${columns.length} columns`
			});
			continue;
		}
		const values = Object.fromEntries(columns.map((c, i) => [c, record[i]!]));
		rows.push({ line: info.lines, value: csvRecordToCase(values) });
	}
	return { rows, issues };
}

/** JSONL cases: every malformed line is reported, and the well-formed ones are still checked. */
function parseCasesJsonl(text: string, file: string): Parsed {
	try {
		return { rows: parseJsonl(text, file), issues: [] };
	} catch (e) {
		if (!(e instanceof ValidationError)) throw e;
		// Blank out the broken lines (blank lines are skipped) to keep the others' line numbers.
		const bad = new Set(e.issues.map((i) => i.line));
		const rest = text
			.split(/\r?\n/)
			.map((l, i) => (bad.has(i + 1) ? '' : l))
			.join('\n');
		return { rows: parseJsonl(rest, file), issues: e.issues };
	}
}

/** Parses and validates a cases file's text; throws one ValidationError listing every issue. */
export function parseCasesText(text: string, file: string): Located<CaseRow>[] {
	const parsed = /\.csv$/i.test(file) ? parseCasesCsv(text, file) : parseCasesJsonl(text, file);
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
