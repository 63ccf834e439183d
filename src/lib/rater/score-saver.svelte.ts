// Over 300 lines: one queue with its storage, retries and status, which only make sense together.
/**
 * Sends a rater's changes (scores, comments, the corrected letter) to the server, newest value
 * per field wins, and never loses one: every change is written to localStorage before it is
 * sent and removed only once the server has it, so a change survives a network outage, a
 * reload, a crash or a closed tab; what is left is sent again on the next page load and as soon
 * as the browser is back online. Saves are idempotent on the server, so sending a change twice
 * (after a lost response, or from two tabs) changes nothing.
 *
 * Storage keys hold the rater's pseudonym, the item code and the field. The pseudonym because
 * raters of one round rate the same items under the same codes, and hospital workstations are
 * shared: without it, a second rater opening their link in the same browser would send the
 * first rater's unsent scores as their own. Never the link itself, which is a secret.
 */
import { browser } from '$app/environment';

export type SaveState = 'idle' | 'saving' | 'saved' | 'offline' | 'error';

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
const OFFLINE_RETRY_MS = 2000;
const MAX_RETRY_MS = 30_000;

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

/** 401 (link gone), 403 (another rater's link), 5xx, 408, 429 may pass later; others never. */
function mayPassLater(status: number): boolean {
	return status === 401 || status === 403 || status === 408 || status === 429 || status >= 500;
}

export class ScoreSaver {
	state = $state<SaveState>('idle');
	/** The server's message for the last refused change (already in the rater's language). */
	message = $state('');
	/**
	 * HTTP status of the last refused change, 0 when none. 401: the link is no longer valid;
	 * 403: the browser now holds another rater's link. Either way the page should not move on.
	 */
	status = $state(0);
	// Not rendered, so plain Maps on purpose: reactivity would only add work.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#queue = new Map<string, Entry>();
	/** Text changes waiting for the typing pause before they join the queue. */
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#delayed = new Map<string, { entry: Entry; timer: ReturnType<typeof setTimeout> }>();
	#running: Promise<void> | null = null;
	#wake: (() => void) | null = null;
	#stopped = false;
	#storage: Storage | null = null;
	#owner: () => string;

	/** `owner`: the rater's pseudonym (a getter, so it is read when needed, never stale). */
	constructor(owner: () => string) {
		this.#owner = owner;
		if (!browser) return;
		try {
			this.#storage = window.localStorage;
		} catch (e) {
			// Storage switched off by policy: changes are still sent, only not kept across reloads.
			console.warn('blindeval: localStorage unavailable, unsent changes live in memory only', e);
		}
	}

	/**
	 * Starts sending: what earlier pages left in storage first, and again whenever the browser
	 * comes back online. Returns the function that stops listening (call it on destroy).
	 */
	start(): () => void {
		this.#stopped = false;
		for (const entry of this.#stored()) this.#queue.set(this.#key(entry.change), entry);
		const online = () => this.#kick();
		window.addEventListener('online', online);
		this.#kick();
		return () => {
			window.removeEventListener('online', online);
			this.#stopped = true;
			this.#wake?.();
		};
	}

	/**
	 * Records a change: kept in storage at once, sent after `delayMs` (for text, so typing is
	 * sent once per pause) or at once.
	 */
	save(change: Change, delayMs = 0): void {
		const key = this.#key(change);
		const id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
		const entry: Entry = { id, change };
		this.#store(key, entry);
		clearTimeout(this.#delayed.get(key)?.timer);
		this.#delayed.delete(key);
		this.#queue.delete(key); // re-inserted last: the newest change goes after older ones
		// Not "saved" while text waits for the typing pause; "offline" stays until it is over.
		if (this.state !== 'offline') this.state = 'saving';
		if (delayMs > 0) {
			const timer = setTimeout(() => this.#enqueue(key, entry), delayMs);
			this.#delayed.set(key, { entry, timer });
		} else this.#enqueue(key, entry);
	}

	#enqueue(key: string, entry: Entry): void {
		this.#delayed.delete(key);
		this.#queue.set(key, entry);
		this.#kick();
	}

	/** Changes of an item not yet confirmed by the server: shown over the server's values. */
	pending(code: string): Change[] {
		// Later sources win: this page's own queue and waiting text are newer than storage.
		const all: Record<string, Change> = {};
		for (const e of this.#stored()) all[this.#key(e.change)] = e.change;
		for (const [key, entry] of this.#queue) all[key] = entry.change;
		for (const [key, { entry }] of this.#delayed) all[key] = entry.change;
		return Object.values(all).filter((c) => c.code === code);
	}

	/** Sends waiting text now and resolves once everything so far is saved (or refused). */
	async flushed(): Promise<void> {
		for (const [key, { entry, timer }] of this.#delayed) {
			clearTimeout(timer);
			this.#enqueue(key, entry);
		}
		this.#kick();
		while (this.#running) await this.#running;
	}

	#kick(): void {
		this.#wake?.();
		if (this.#queue.size) this.#running ??= this.#drain().finally(() => (this.#running = null));
	}

	async #drain(): Promise<void> {
		let refused = false;
		let delay = OFFLINE_RETRY_MS;
		while (this.#queue.size) {
			const [key, entry] = this.#queue.entries().next().value!;
			this.state = 'saving';
			const { url, body } = request(entry.change, this.#owner());
			let response: Response;
			let text: string;
			try {
				response = await fetch(url, {
					method: 'PUT',
					headers: { 'content-type': 'application/json', accept: 'application/json' },
					body: JSON.stringify(body)
				});
				// Read the body in full: it releases the connection, and errors carry a message.
				text = await response.text();
			} catch {
				// No answer (offline, server unreachable): the change stays queued and stored.
				this.state = 'offline';
				if (!(await this.#pause(OFFLINE_RETRY_MS))) return;
				continue;
			}
			if (response.ok) {
				this.#settle(key, entry);
				delay = OFFLINE_RETRY_MS;
				continue;
			}
			this.state = 'error';
			this.status = response.status;
			this.message = messageOf(text) ?? `HTTP ${response.status}`;
			// Kept until the rater opens their own link again.
			if (response.status === 401 || response.status === 403) return;
			if (mayPassLater(response.status)) {
				delay = Math.min(delay * 2, MAX_RETRY_MS);
				if (!(await this.#pause(delay))) return;
				continue;
			}
			// Refused for good (round locked, item gone, invalid): sending again cannot help.
			this.#settle(key, entry);
			refused = true;
		}
		if (this.#delayed.size) this.state = 'saving';
		else if (!refused) {
			this.state = 'saved';
			this.status = 0;
			this.message = '';
		}
	}

	/** Waits `ms`, or until woken (back online, a new change); false once stopped. */
	async #pause(ms: number): Promise<boolean> {
		if (this.#stopped) return false;
		await new Promise<void>((resolve) => {
			const timer = setTimeout(resolve, ms);
			this.#wake = () => {
				clearTimeout(timer);
				resolve();
			};
		});
		this.#wake = null;
		return !this.#stopped;
	}

	/** The server has `entry` (or refused it for good): forget it, unless a newer one replaced it. */
	#settle(key: string, entry: Entry): void {
		if (this.#queue.get(key) === entry) this.#queue.delete(key);
		if (this.#read(key)?.id === entry.id) this.#remove(key);
	}

	#read(key: string): Entry | null {
		try {
			return parseEntry(this.#storage?.getItem(key) ?? null);
		} catch (e) {
			console.warn('blindeval: could not read an unsent change from localStorage', e);
			return null;
		}
	}

	/** Where a change waits in storage: one entry per rater, item and field. */
	#key(change: Change): string {
		return `${STORAGE_PREFIX}${this.#owner()}/${change.code}/${fieldOf(change)}`;
	}

	#store(key: string, entry: Entry): void {
		try {
			this.#storage?.setItem(key, JSON.stringify(entry));
		} catch (e) {
			// Storage full or switched off: the change is still queued and sent from memory.
			console.warn('blindeval: could not keep an unsent change in localStorage', e);
		}
	}

	#remove(key: string): void {
		try {
			this.#storage?.removeItem(key);
		} catch (e) {
			console.warn('blindeval: could not remove a sent change from localStorage', e);
		}
	}

	#stored(): Entry[] {
		const storage = this.#storage;
		if (!storage) return [];
		const entries: Entry[] = [];
		const mine = `${STORAGE_PREFIX}${this.#owner()}/`;
		try {
			for (let i = 0; i < storage.length; i++) {
				const key = storage.key(i);
				// Another rater's unsent changes wait for them; they are never sent from here.
				if (!key?.startsWith(mine)) continue;
				const entry = parseEntry(storage.getItem(key));
				if (entry && this.#key(entry.change) === key) entries.push(entry);
			}
		} catch (e) {
			console.warn('blindeval: could not read unsent changes from localStorage', e);
		}
		return entries;
	}
}

function messageOf(body: string): string | undefined {
	try {
		const parsed = JSON.parse(body) as { message?: unknown };
		return typeof parsed.message === 'string' ? parsed.message : undefined;
	} catch {
		return undefined; // not JSON (e.g. a proxy's HTML error page): the status is shown instead
	}
}
