/**
 * Sends a rater's changes (scores, comments, the corrected letter) to the server, newest value
 * per field wins, and never loses one: through a PersistentQueue (persistent-queue.svelte.ts),
 * every change is written to localStorage before it is sent and removed only once the server has
 * it, so a change survives a network outage, a reload, a crash or a closed tab; what is left is
 * sent again on the next page load and as soon as the browser is back online. Saves are
 * idempotent on the server, so sending a change twice (after a lost response, or from two tabs)
 * changes nothing.
 *
 * Storage keys hold the rater's pseudonym, the item code and the field. The pseudonym because
 * raters of one round rate the same items under the same codes, and hospital workstations are
 * shared: without it, a second rater opening their link in the same browser would send the
 * first rater's unsent scores as their own. Never the link itself, which is a secret.
 */
import { PersistentQueue, type SaveState } from './persistent-queue.svelte';

export type { SaveState };

export type Change =
	| { kind: 'score'; code: string; dimension: string; score: number }
	/** Pairwise items: the better letter on a dimension. */
	| { kind: 'preference'; code: string; dimension: string; choice: 'left' | 'tie' | 'right' }
	/** `dimension` '' is the overall comment; an empty body deletes the comment. */
	| { kind: 'comment'; code: string; dimension: string; body: string }
	/** An empty body deletes the correction. */
	| { kind: 'correction'; code: string; body: string };

/** Wait before sending text, so typing sends one request per pause rather than per key. */
export const TEXT_DELAY_MS = 600;
const STORAGE_PREFIX = 'blindeval.pending:';

interface Entry {
	/** Tells this write from a later one of the same field (here or in another tab). */
	id: string;
	change: Change;
}

/** The field a change sets: one pending value per field. */
function fieldOf(change: Change): string {
	return change.kind === 'correction' ? 'correction' : `${change.kind}:${change.dimension}`;
}

/** The request for a change; `rater` lets the server refuse it if another link took over. */
function request(change: Change, rater: string): { url: string; body: unknown } {
	const base = `/api/rater/items/${encodeURIComponent(change.code)}`;
	switch (change.kind) {
		case 'score':
			return {
				url: `${base}/scores`,
				body: { dimension: change.dimension, score: change.score, rater }
			};
		case 'preference':
			return {
				url: `${base}/preferences`,
				body: { dimension: change.dimension, choice: change.choice, rater }
			};
		case 'comment':
			return {
				url: `${base}/comments`,
				body: { dimension: change.dimension, body: change.body, rater }
			};
		case 'correction':
			return { url: `${base}/correction`, body: { body: change.body, rater } };
	}
}

/** A stored entry, checked: storage is shared with every other script of this origin. */
function parseEntry(text: string | null): Entry | null {
	if (!text) return null;
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return null; // not written by this module: ignored (and never sent)
	}
	const e = value as Partial<Entry> | null;
	const c = e?.change as Partial<
		Change & { dimension: string; score: number; body: string; choice: string }
	>;
	if (typeof e?.id !== 'string' || typeof c?.code !== 'string') return null;
	if (c.kind === 'score' && typeof c.dimension === 'string' && typeof c.score === 'number')
		return e as Entry;
	if (
		c.kind === 'preference' &&
		typeof c.dimension === 'string' &&
		(c.choice === 'left' || c.choice === 'tie' || c.choice === 'right')
	)
		return e as Entry;
	if (c.kind === 'comment' && typeof c.dimension === 'string' && typeof c.body === 'string')
		return e as Entry;
	if (c.kind === 'correction' && typeof c.body === 'string') return e as Entry;
	return null;
}

/** Sends a rater's changes through a PersistentQueue, one pending value per field. */
export class ScoreSaver {
	readonly #queue: PersistentQueue<Entry>;

	/** `owner`: the rater's pseudonym (a getter, so it is read when needed, never stale). */
	constructor(owner: () => string) {
		this.#queue = new PersistentQueue<Entry>({
			prefix: STORAGE_PREFIX,
			noun: 'change',
			nouns: 'changes',
			owner,
			keyOf: (e) => `${e.change.code}/${fieldOf(e.change)}`,
			codeOf: (e) => e.change.code,
			parse: parseEntry,
			request: (e, rater) => ({ method: 'PUT', ...request(e.change, rater) })
		});
	}

	get state(): SaveState {
		return this.#queue.state;
	}

	/** The server's message for the last refused change (already in the rater's language). */
	get message(): string {
		return this.#queue.message;
	}

	/**
	 * HTTP status of the last refused change, 0 when none. 401: the link is no longer valid;
	 * 403: the browser now holds another rater's link. Either way the page should not move on.
	 */
	get status(): number {
		return this.#queue.status;
	}

	/**
	 * Starts sending: what earlier pages left in storage first, and again whenever the browser
	 * comes back online. Returns the function that stops listening (call it on destroy).
	 */
	start(): () => void {
		return this.#queue.start();
	}

	/**
	 * Records a change: kept in storage at once, sent after `delayMs` (for text, so typing is
	 * sent once per pause) or at once.
	 */
	save(change: Change, delayMs = 0): void {
		const id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
		this.#queue.save({ id, change }, delayMs);
	}

	/** Changes of an item not yet confirmed by the server: shown over the server's values. */
	pending(code: string): Change[] {
		return this.#queue.pending(code).map((e) => e.change);
	}

	/** Sends waiting text now and resolves once everything so far is saved (or refused). */
	flushed(): Promise<void> {
		return this.#queue.flushed();
	}
}
