import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toCsvRows } from './csv';
import { crlfRecords } from './csv-records';

/** What COPY … (FORMAT csv) writes for these rows (nulls and '' as empty fields, LF ends). */
function copyCsv(rows: (string | null)[][]): string {
	const field = (v: string | null) =>
		v === null || v === '' ? '' : /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
	return rows.map((r) => r.map(field).join(',') + '\n').join('');
}

function convert(text: string, cuts: number[]): string {
	const f = crlfRecords();
	let out = '';
	let at = 0;
	for (const c of [...cuts.filter((x) => x < text.length)].sort((a, b) => a - b)) {
		out += f(text.slice(at, c));
		at = c;
	}
	return out + f(text.slice(at));
}

describe('crlfRecords', () => {
	it('ends records with CRLF and keeps line breaks inside quoted fields', () => {
		const text = 'a,"x\ny",b\n"say ""hi""\r\n",,c\nplain\n';
		expect(convert(text, [])).toBe('a,"x\ny",b\r\n"say ""hi""\r\n",,c\r\nplain\r\n');
		// Cut inside a doubled quote and right after a quoted line break.
		expect(convert(text, [4, 5, 12, 13, 14, 21])).toBe(convert(text, []));
	});

	it('gives what csv.ts writes for any rows, however the stream is cut', () => {
		const value = fc.oneof(
			fc.constant(null),
			fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', 'ü', '=', ' ') })
		);
		fc.assert(
			fc.property(
				fc.array(fc.array(value, { minLength: 3, maxLength: 3 }), { maxLength: 8 }),
				fc.array(fc.nat(200), { maxLength: 6 }),
				(rows, cuts) => {
					const expected = toCsvRows(
						['a', 'b', 'c'],
						rows.map(([a, b, c]) => ({ a, b, c }))
					);
					expect(convert(copyCsv(rows), cuts)).toBe(expected);
				}
			)
		);
	});
});
