/**
 * The rater behind a link, remembered for the busiest requests of a rating day: the saves of a
 * score or a choice (PUT …/scores, …/preferences). Without it every save cost two round trips to
 * the database, one to find the rater by the link's hash and one to save.
 *
 * Correctness does not rest on the cache: a save's own statement checks, in the same atomic
 * step, that the link it came with (`RaterActor.tokenHash`) is still the rater's and not
 * revoked (rating.ts saveAnswer), so a remembered rater cannot outlive a revoked or reissued
 * link, even one revoked by another process (the CLI). Every other request looks the link up
 * afresh. Only found raters are remembered (an unknown link always asks the database), for at
 * most TTL_MS, and at most MAX_ENTRIES of them.
 */
import type { RaterActor } from './actors';
import { hashToken } from './tokens';

const TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

/** The routes whose handlers re-check the link in their own statement (see above). */
const CACHED_ROUTES = new Set([
	'PUT /api/rater/items/[code]/scores',
	'PUT /api/rater/items/[code]/preferences'
]);

export function mayUseCachedRater(method: string, routeId: string | null): boolean {
	return CACHED_ROUTES.has(`${method} ${routeId}`);
}

/** A 401 like an unknown link: the link was revoked or reissued since the rater was remembered. */
export class RaterLinkError extends Error {
	constructor() {
		super('This link is no longer valid');
		this.name = 'RaterLinkError';
	}
}

interface Entry {
	rater: RaterActor;
	expires: number;
}

export class RaterCache {
	readonly #entries = new Map<string, Entry>();

	constructor(
		readonly ttlMs = TTL_MS,
		readonly maxEntries = MAX_ENTRIES,
		readonly now: () => number = Date.now
	) {}

	/** The rater behind `token`: remembered, or looked up by `find` (and then remembered if found). */
	async get(
		token: string,
		find: (token: string) => Promise<RaterActor | null>
	): Promise<RaterActor | null> {
		const key = hashToken(token);
		const hit = this.#entries.get(key);
		if (hit && hit.expires > this.now()) return hit.rater;
		if (hit) this.#entries.delete(key);
		const rater = await find(token);
		if (rater) {
			if (this.#entries.size >= this.maxEntries) {
				// Map order is insertion order: drop the oldest.
				const oldest = this.#entries.keys().next().value;
				if (oldest !== undefined) this.#entries.delete(oldest);
			}
			this.#entries.set(key, { rater, expires: this.now() + this.ttlMs });
		}
		return rater;
	}

	get size(): number {
		return this.#entries.size;
	}
}

/** The server's one cache (hooks.server.ts). */
export const raterCache = new RaterCache();
