/**
 * Where to send a user after sign-in: the `next` they asked for only when it stays on the app's
 * own origin.
 *
 * A prefix test (`startsWith('/') && !startsWith('//')`) is not enough: browsers treat `\` as `/`
 * and drop tabs and newlines in URLs, so `/\evil.example` or `/%09/evil.example` (decoded by the
 * query string to a tab) lead to `//evil.example`, another origin.
 */

/** Backslash, C0 controls (tab, CR, LF, NUL, …) and DEL. */
const forbidden = (text: string) =>
	[...text].some((c) => c === '\\' || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
/** Percent-decoding rounds tried: a path encoded more deeply than this is refused. */
const MAX_DECODES = 3;

/**
 * `next` as a same-origin path (pathname, query and fragment), or `fallback` when it is missing,
 * is not a path (does not start with `/`), resolves to another origin, or holds a backslash or control character, as given or after
 * percent-decoding (once or repeatedly), or decodes to a protocol-relative `//` path.
 *
 * @param origin the app's own origin, e.g. `https://blindeval.clinic.local`
 */
export function safeRedirect(next: string | null | undefined, origin: string, fallback: string) {
	if (!next || !next.startsWith('/') || !cleanWhenDecoded(next)) return fallback;
	let url: URL;
	try {
		url = new URL(next, origin);
	} catch {
		return fallback; // not a URL at all
	}
	if (url.origin !== new URL(origin).origin) return fallback;
	const path = `${url.pathname}${url.search}${url.hash}`;
	return cleanWhenDecoded(path) ? path : fallback;
}

/**
 * No forbidden character and no leading `//`, in `text` and in each percent-decoding of it. Only
 * escapes of ASCII characters are decoded: every forbidden character is ASCII, and this never
 * fails on a lone `%` or on non-UTF-8 escapes the way decodeURIComponent does.
 */
function cleanWhenDecoded(text: string): boolean {
	let current = text;
	for (let round = 0; round <= MAX_DECODES; round++) {
		if (forbidden(current) || current.startsWith('//')) return false;
		const decoded = current.replace(/%([0-7][0-9a-f])/gi, (_, hex: string) =>
			String.fromCharCode(parseInt(hex, 16))
		);
		if (decoded === current) return true;
		current = decoded;
	}
	return false;
}
