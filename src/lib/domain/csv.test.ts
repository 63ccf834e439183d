import { describe, expect, it } from 'vitest';
import { toCsv, toCsvRows } from './csv';

describe('toCsv', () => {
	it('quotes only where needed and ends lines with CRLF', () => {
		const csv = toCsv(
			['a', 'b', 'c'],
			[
				{ a: 'plain', b: 'with, comma', c: 'say "hi"\nthere' },
				{ a: 1.5, b: null, c: new Date('2026-01-02T03:04:05.000Z') }
			]
		);
		expect(csv).toBe(
			'a,b,c\r\nplain,"with, comma","say ""hi""\nthere"\r\n1.5,,2026-01-02T03:04:05.000Z\r\n'
		);
	});

	it('writes NaN as missing', () => {
		expect(toCsv(['x'], [{ x: Number.NaN }])).toBe('x\r\n\r\n');
	});

	it('writes the data lines alone for a stream that has sent the header', () => {
		const rows = [{ a: 'x,y', b: 2 }];
		expect(toCsvRows(['a', 'b'], rows)).toBe('"x,y",2\r\n');
		expect(toCsv(['a', 'b'], rows)).toBe('a,b\r\n' + toCsvRows(['a', 'b'], rows));
		expect(toCsvRows(['a'], [])).toBe('');
	});
});
