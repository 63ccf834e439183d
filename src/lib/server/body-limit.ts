/**
 * Request body limits per route, checked in hooks.server.ts before anything reads the body.
 * server.js turns adapter-node's own limit off (BODY_SIZE_LIMIT=Infinity), so these are the
 * limits that apply, each with a 413 that says what is allowed.
 */
import { audienceOf } from './auth/routes';

const KB = 1024;
const MB = 1024 * KB;

/** First matching route id prefix wins; the last row is the default. Documented in docs/security.md. */
const LIMITS: { prefix: string; bytes: number }[] = [
	// A corrected letter: up to 100,000 characters (rating.ts), a few bytes each in JSON.
	{ prefix: '/api/rater/items/[code]/correction', bytes: 512 * KB },
	// Case and output files uploaded on the study pages.
	{ prefix: '/(coordinator)/studies', bytes: 20 * MB }
];
const SIGNED_IN_LIMIT = 1 * MB;
/** Sign-in, set-up, rater pages and endpoints, unknown routes. */
const DEFAULT_LIMIT = 64 * KB;

export function bodyLimitOf(routeId: string | null): number {
	const row = routeId ? LIMITS.find((l) => routeId.startsWith(l.prefix)) : undefined;
	if (row) return row.bytes;
	return audienceOf(routeId) === 'coordinator' ? SIGNED_IN_LIMIT : DEFAULT_LIMIT;
}

export function formatBytes(bytes: number): string {
	return bytes >= MB ? `${bytes / MB} MB` : `${bytes / KB} KB`;
}

/**
 * The request if its body fits the limit, else null. A declared Content-Length is checked
 * without reading anything (Node's parser holds the body to that length). A chunked body has no
 * length: it is read up to the limit and the request rebuilt around the bytes read, so a client
 * cannot stream an endless body into a form action.
 */
export async function withinLimit(request: Request, limit: number): Promise<Request | null> {
	if (!request.body) return request;
	const declared = request.headers.get('content-length');
	if (declared !== null) return Number(declared) > limit ? null : request;
	const reader = request.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		size += value.byteLength;
		if (size > limit) {
			// Not cancel(): under adapter-node that destroys the socket before the 413 is sent.
			// The rest is left to discardRest.
			reader.releaseLock();
			return null;
		}
		chunks.push(value);
	}
	const body = new Uint8Array(size);
	let offset = 0;
	for (const chunk of chunks) {
		body.set(chunk, offset);
		offset += chunk.byteLength;
	}
	return new Request(request, { body, duplex: 'half' } as RequestInit);
}

/** How much of a refused body is read and thrown away so the client sees the 413 (discardRest). */
export function discardBoundOf(limit: number): number {
	return 2 * limit;
}

/**
 * After a refusal (413): reads and throws away the rest of the body, at most `bound` more bytes.
 * A client still writing its body when the server answers and closes gets a broken pipe
 * (EPIPE, seen with a 21 MB upload against a 20 MB limit) instead of the 413 that says what is
 * allowed; read to its end, it gets the answer, and the connection can be used again. True when
 * the body was read to its end; false when it is larger than the bound (declared or read), and
 * the connection must be closed with the rest unread.
 */
export async function discardRest(request: Request, bound: number): Promise<boolean> {
	if (!request.body) return true;
	const declared = request.headers.get('content-length');
	if (declared !== null && Number(declared) > bound) return false;
	const reader = request.body.getReader();
	let size = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) return true;
		size += value.byteLength;
		if (size > bound) {
			reader.releaseLock();
			return false;
		}
	}
}
