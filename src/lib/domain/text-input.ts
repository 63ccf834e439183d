/**
 * Text the database cannot store. PostgreSQL refuses NUL (U+0000) in text and json values, and
 * a lone UTF-16 surrogate (U+D800–U+DFFF without its partner, which JSON's `\ud800` escape can
 * carry) is not valid Unicode and cannot be encoded as UTF-8. Either must be refused where it
 * comes in, naming the field or line, instead of failing inside a query (a 500 whose error
 * holds the text).
 */

/** The first NUL or unpaired surrogate; matched without the u flag, on UTF-16 code units. */
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `text` cannot be stored, or null when it can. */
export function unstorableText(text: string): string | null {
	const m = UNSTORABLE.exec(text);
	if (!m) return null;
	if (m[0] === '\u0000') return 'contains a NUL character (U+0000), which cannot be stored';
	const hex = m[0].charCodeAt(0).toString(16).toUpperCase();
	return `contains an unpaired surrogate (U+${hex}), which is not valid Unicode`;
}

export interface UnstorableField {
	/** The field's path, dotted (`source.diagnosis`, `items.2.body`); '' for the value itself. */
	field: string;
	message: string;
}

/**
 * The first string in a parsed JSON value (or a key of one of its objects) that cannot be
 * stored, with where it is. Walks iteratively, so a deeply nested value cannot overflow the stack.
 */
export function findUnstorable(value: unknown): UnstorableField | null {
	// Paths as parent links, joined only for the value found: a deep value costs linear time.
	type Path = { key: string; parent: Path } | null;
	const dotted = (p: Path, last?: string) => {
		const keys = last === undefined ? [] : [last];
		for (let at = p; at; at = at.parent) keys.push(at.key);
		return keys.reverse().join('.');
	};
	const stack: { value: unknown; path: Path }[] = [{ value, path: null }];
	while (stack.length) {
		const { value: v, path } = stack.pop()!;
		if (typeof v === 'string') {
			const message = unstorableText(v);
			if (message) return { field: dotted(path), message };
		} else if (Array.isArray(v)) {
			for (let i = v.length - 1; i >= 0; i--)
				stack.push({ value: v[i], path: { key: `${i}`, parent: path } });
		} else if (v !== null && typeof v === 'object') {
			const entries = Object.entries(v);
			for (let i = entries.length - 1; i >= 0; i--) {
				const [key, child] = entries[i]!;
				const keyMessage = unstorableText(key);
				if (keyMessage)
					return { field: dotted(path, safeName(key)), message: `name ${keyMessage}` };
				stack.push({ value: child, path: { key, parent: path } });
			}
		}
	}
	return null;
}

/** A field name fit to show and log: the unstorable characters replaced by U+FFFD. */
export function safeName(name: string): string {
	return name.replace(new RegExp(UNSTORABLE.source, 'g'), '\ufffd');
}
