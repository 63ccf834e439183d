import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors';
import { LineDecoder, textLines } from './lines';

const bytes = (s: string) => new TextEncoder().encode(s);

/** Pushes `input` in chunks of `size` bytes and collects the lines. */
function decode(input: Uint8Array, size: number) {
	const decoder = new LineDecoder('f.jsonl');
	const out = [];
	for (let i = 0; i < input.length; i += size) out.push(...decoder.push(input.slice(i, i + size)));
	return [...out, ...decoder.end()];
}

describe('LineDecoder', () => {
	const text = '\uFEFFfirst ä\r\nzweite 😀 Zeile\n\nlast';
	const expected = [
		{ line: 1, text: 'first ä' },
		{ line: 2, text: 'zweite 😀 Zeile' },
		{ line: 3, text: '' },
		{ line: 4, text: 'last' }
	];

	it.each([1, 2, 3, 7, 1024])('gives the same lines for chunks of %i bytes', (size) => {
		expect(decode(bytes(text), size)).toEqual(expected);
		expect([...textLines(text.slice(1))]).toEqual(expected);
	});

	it('names the line that is not UTF-8', () => {
		const latin1 = Uint8Array.from([...bytes('ok\nok\nM'), 0xfc, 0x6c, ...bytes('\nok')]);
		try {
			decode(latin1, 4);
			expect.unreachable();
		} catch (e) {
			expect((e as ValidationError).issues).toEqual([
				{ file: 'f.jsonl', line: 3, message: 'is not valid UTF-8' }
			]);
		}
	});

	it('keeps a BOM that is not at the start of the file', () => {
		expect(decode(bytes('a\n\uFEFFb\n'), 2)).toEqual([
			{ line: 1, text: 'a' },
			{ line: 2, text: '\uFEFFb' }
		]);
	});
});
