import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { toCsv } from './csv';
import {
	BOM,
	exactCell,
	FORMULA_TRIGGERS,
	SpreadsheetSafeCsv,
	spreadsheetSafeCell,
	spreadsheetSafeChunks
} from './spreadsheet-safe';

/** The review's payloads, and cells that must pass unchanged. */
const PAYLOADS = [
	'=HYPERLINK("http://x","y")',
	'+1+1',
	'-1+2',
	'@SUM(1,1)',
	'\t=1+1',
	'\r=1+1',
	'\r\n=1+1',
	"'=1+1",
	"'already quoted"
];
const PLAIN = ['Dear Dr. A,\nfine', 'a "quoted" word', '', 'PSA <0.1', ' =1+1 (space first)', '3'];

const columns = ['id', 'comment', 'note'] as const;
const rows = [...PAYLOADS, ...PLAIN].map((comment, i) => ({
	id: String(i),
	comment,
	note: PAYLOADS[(i + 3) % PAYLOADS.length]!
}));
const csv = toCsv([...columns], rows);

function cells(text: string): string[][] {
	return parse(text, { relax_column_count: false }) as string[][];
}

describe('spreadsheetSafeCell', () => {
	it.each(FORMULA_TRIGGERS.map((t) => [t]))('puts a quote before a cell starting %j', (t) => {
		expect(spreadsheetSafeCell(`${t}1`)).toBe(`'${t}1`);
	});

	it('leaves other cells alone and is undone by exactCell', () => {
		for (const s of [...PAYLOADS, ...PLAIN]) expect(exactCell(spreadsheetSafeCell(s))).toBe(s);
		for (const s of PLAIN) expect(spreadsheetSafeCell(s)).toBe(s);
	});
});

describe('SpreadsheetSafeCsv', () => {
	const safe = new SpreadsheetSafeCsv().push(csv);

	it('neutralises every payload cell and changes nothing else', () => {
		const before = cells(csv);
		const after = cells(safe);
		expect(after.length).toBe(before.length);
		after.forEach((row, r) =>
			row.forEach((cell, c) => {
				const exact = before[r]![c]!;
				expect(cell).toBe(spreadsheetSafeCell(exact));
				expect(exactCell(cell)).toBe(exact);
				expect(FORMULA_TRIGGERS.some((t) => cell.startsWith(t))).toBe(false);
			})
		);
	});

	it('only inserts one quote per payload cell', () => {
		// The comment column holds each payload once, the note column one in every row.
		expect(safe.length - csv.length).toBe(PAYLOADS.length + rows.length);
		expect(safe.replaceAll("'", '')).toBe(csv.replaceAll("'", ''));
	});

	it('gives the same text however the stream is cut into chunks', () => {
		for (let cut = 0; cut <= csv.length; cut++) {
			const s = new SpreadsheetSafeCsv();
			expect(s.push(csv.slice(0, cut)) + s.push(csv.slice(cut))).toBe(safe);
		}
		const s = new SpreadsheetSafeCsv();
		expect([...csv].map((c) => s.push(c)).join('')).toBe(safe);
	});

	it('reads LF line ends, empty and quoted-empty fields, and escaped quotes first', () => {
		const text = 'a,b,c\n,"",=1\n"""=x""",-2,\n';
		expect(new SpreadsheetSafeCsv().push(text)).toBe('a,b,c\n,"",\'=1\n"""=x""",\'-2,\n');
	});

	it('streams with a byte order mark first, for Excel', async () => {
		async function* source() {
			yield csv.slice(0, 17);
			yield csv.slice(17);
		}
		let out = '';
		for await (const c of spreadsheetSafeChunks(source())) out += c;
		expect(out).toBe(BOM + safe);
	});
});
