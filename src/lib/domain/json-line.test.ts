import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, parseJsonLine } from './json-line';

const deep = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);

describe('parseJsonLine', () => {
	it('parses what JSON.parse parses, escaped keys included', () => {
		const text = '{"id":"A","s":{"x\\"y":[1,{"k":"v\\\\"}],"\\u00e9":null}}';
		expect(parseJsonLine(text)).toEqual({ ok: true, value: JSON.parse(text) });
	});

	it(`accepts ${MAX_JSON_DEPTH} levels and refuses more, naming the field`, () => {
		expect(parseJsonLine(deep(MAX_JSON_DEPTH)).ok).toBe(true);
		expect(parseJsonLine(deep(40))).toEqual({
			ok: false,
			issue: {
				column: 5 * MAX_JSON_DEPTH + 1,
				field: Array(MAX_JSON_DEPTH).fill('a').join('.'),
				message: `is nested more than ${MAX_JSON_DEPTH} levels deep (objects and lists inside each other)`
			}
		});
		const list = parseJsonLine(`{"xs":[0,${'['.repeat(40)}${']'.repeat(40)}]}`);
		expect(list.ok || list.issue.field).toBe(`xs.1${'.0'.repeat(MAX_JSON_DEPTH - 2)}`);
	});

	it('refuses a 10,000-deep value without overflowing the stack', () => {
		const result = parseJsonLine(deep(10_000));
		expect(result.ok).toBe(false);
		expect(!result.ok && result.issue.message).toMatch(/nested more than 32 levels/);
	});

	it('names a repeated key, also when written with escapes or nested', () => {
		expect(parseJsonLine('{"id":"A","id":"B"}')).toEqual({
			ok: false,
			issue: { column: 11, field: 'id', message: 'repeats the key "id"' }
		});
		const nested = parseJsonLine('{"source":{"dx":1,"list":[{"d\\u0078":2}],"\\u0064x":3}}');
		expect(!nested.ok && nested.issue).toMatchObject({
			field: 'source.dx',
			message: 'repeats the key "dx"'
		});
		// The same key in sibling objects, and a key equal to a value, are fine.
		expect(parseJsonLine('[{"a":1},{"a":2},{"b":"a","a":"b"}]').ok).toBe(true);
	});

	it('names the column of a grammar error without quoting the line', () => {
		const secret = 'Patient Erika Mustermann';
		for (const text of [
			`{"d":"${secret}",}`,
			`{"d":"${secret}"`,
			`${secret}`,
			`{"d":"${secret}"} x`
		]) {
			const result = parseJsonLine(text);
			expect(result.ok).toBe(false);
			expect(JSON.stringify(result)).not.toContain('Erika');
		}
		expect(parseJsonLine('{"a":1,}')).toEqual({
			ok: false,
			issue: { column: 8, message: 'invalid JSON (expected double-quoted property name)' }
		});
	});
});
