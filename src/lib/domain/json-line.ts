/**
 * One line of a JSONL file, parsed with bounds that JSON.parse does not have: nesting depth is
 * limited (a 10,000-deep value would later overflow the stack of every recursive reader, the
 * validator and the rater's source panel among them), and a key repeated inside one object is an
 * error naming the key (JSON.parse silently keeps the last one, so the file would say two things).
 *
 * JSON.parse checks the grammar first; the scan below then walks the (valid) text without
 * recursion. Messages name a column and a field, never the line's content: the npm parsers that
 * report duplicate keys (e.g. @humanwhocodes/momoa) build their tree recursively and overflow the
 * stack on the deep lines this must refuse, so the scan is our own.
 */

/** Containers (objects and arrays) nested in one line, the line's own object included. */
export const MAX_JSON_DEPTH = 32;

export interface JsonLineIssue {
	column?: number;
	field?: string;
	message: string;
}

export type JsonLineResult = { ok: true; value: unknown } | { ok: false; issue: JsonLineIssue };

interface Frame {
	object: boolean;
	keys: Set<string>;
	/** The current key (objects) or element index (arrays). */
	at: string | number;
}

/** The dot path of the value the innermost frame is at (each frame holds its child's key). */
const fieldOf = (stack: Frame[]) =>
	stack
		.slice(0, -1)
		.map((f) => f.at)
		.join('.');

/** Where JSON.parse stopped, from its message, without the text it may quote. */
function grammarIssue(e: unknown): JsonLineIssue {
	const message = e instanceof Error ? e.message : '';
	const at = /^([^"]+?) in JSON at position (\d+)/.exec(message);
	if (at) return { column: Number(at[2]) + 1, message: `invalid JSON (${at[1]!.toLowerCase()})` };
	if (/end of JSON input/.test(message))
		return { message: 'invalid JSON (the line ends before the value does)' };
	return { message: 'invalid JSON' };
}

/**
 * Parses one JSON value, refusing nesting deeper than `maxDepth` and repeated keys.
 * @example parseJsonLine('{"a":1,"a":2}') // { ok: false, issue: { field: 'a', message: … } }
 */
export function parseJsonLine(text: string, maxDepth = MAX_JSON_DEPTH): JsonLineResult {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (e) {
		return { ok: false, issue: grammarIssue(e) };
	}
	const stack: Frame[] = [];
	let expectKey = false;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (c === 0x22 /* " */) {
			let end = text.indexOf('"', i + 1);
			// A quote preceded by an odd number of backslashes is escaped.
			for (;;) {
				let slashes = 0;
				while (text.charCodeAt(end - 1 - slashes) === 0x5c) slashes++;
				if (slashes % 2 === 0) break;
				end = text.indexOf('"', end + 1);
			}
			const top = stack.at(-1);
			if (top?.object && expectKey) {
				const raw = text.slice(i + 1, end);
				const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
				if (top.keys.has(key)) {
					const field = [fieldOf(stack), key].filter((s) => s !== '').join('.');
					return {
						ok: false,
						issue: { column: i + 1, field, message: `repeats the key "${key}"` }
					};
				}
				top.keys.add(key);
				top.at = key;
				expectKey = false;
			}
			i = end;
		} else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
			if (stack.length >= maxDepth) {
				return {
					ok: false,
					issue: {
						column: i + 1,
						field: fieldOf([...stack, { object: false, keys: new Set(), at: 0 }]) || undefined,
						message: `is nested more than ${maxDepth} levels deep (objects and lists inside each other)`
					}
				};
			}
			stack.push({ object: c === 0x7b, keys: new Set(), at: c === 0x7b ? '' : 0 });
			expectKey = c === 0x7b;
		} else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
			stack.pop();
		} else if (c === 0x2c /* , */) {
			const top = stack.at(-1)!;
			if (top.object) expectKey = true;
			else top.at = (top.at as number) + 1;
		}
	}
	return { ok: true, value };
}
