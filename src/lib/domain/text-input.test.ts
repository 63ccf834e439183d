import { describe, expect, it } from 'vitest';
import { findUnstorable, safeName, unstorableText } from './text-input';

describe('unstorableText', () => {
	it.each([
		['a\u0000b', 'contains a NUL character (U+0000), which cannot be stored'],
		['\ud800', 'contains an unpaired surrogate (U+D800), which is not valid Unicode'],
		['x\udc00y', 'contains an unpaired surrogate (U+DC00), which is not valid Unicode'],
		['\udbff', 'contains an unpaired surrogate (U+DBFF), which is not valid Unicode']
	])('refuses %j', (text, message) => {
		expect(unstorableText(text)).toBe(message);
	});

	it.each(['', 'Dear Dr. Weber,\n\tfine', 'Ärztin 😀 ✓', '\ud83d\ude00', '\u0001\u007f\ufffd'])(
		'accepts %j',
		(text) => {
			expect(unstorableText(text)).toBeNull();
		}
	);
});

describe('findUnstorable', () => {
	it('names the field of the first bad string, in arrays and nested objects', () => {
		expect(findUnstorable({ dimension: '', body: 'ok\u0000' })).toEqual({
			field: 'body',
			message: 'contains a NUL character (U+0000), which cannot be stored'
		});
		expect(findUnstorable({ a: [1, 'x', { b: '\ud800' }] })?.field).toBe('a.2.b');
		expect(findUnstorable('\u0000')?.field).toBe('');
	});

	it('checks the names of fields too, and shows them without the bad character', () => {
		expect(findUnstorable({ source: { 'x\u0000y': 1 } })).toEqual({
			field: 'source.x\ufffdy',
			message: 'name contains a NUL character (U+0000), which cannot be stored'
		});
		expect(safeName('a\ud800b\u0000')).toBe('a\ufffdb\ufffd');
	});

	it('passes clean values and walks deep ones without recursion', () => {
		expect(findUnstorable({ a: [null, true, 3, 'ok', { b: 'Ä' }] })).toBeNull();
		let deep: unknown = 'bad\u0000';
		for (let i = 0; i < 100_000; i++) deep = [deep];
		expect(findUnstorable(deep)?.message).toContain('NUL');
	});
});
