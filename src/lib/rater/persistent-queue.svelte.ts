/**
 * The queue both rater savers (score-saver.svelte.ts, mark-saver.svelte.ts) send through: one
 * pending item per key, the newest wins, each kept in localStorage before it is sent and removed
 * only once the server has it, so it survives an outage, a reload, a crash or a closed tab; what
 * is left is sent again on the next page load and as soon as the browser is back online.
 *
 * Answers: 2xx settles the item; no answer (offline) retries every 2 s; 408, 429 and 5xx retry
 * with a doubling wait up to 30 s; 401 (link gone) and 403 (another rater's link) stop sending
 * and keep the item until the rater opens their own link again; any other refusal is final
 * (round locked, item gone, invalid), so the item is dropped and the refusal shown.
 *
 * Keys are `<prefix><rater's pseudonym>/<what keyOf gives>`: the pseudonym because hospital
 * workstations are shared, and a second rater must never send the first one's unsent items as
 * their own. Never the link itself, which is a secret.
 */
import { browser } from '$app/environment';

export type SaveState = 'idle' | 'saving' | 'saved' | 'offline' | 'error';

export interface QueueOptions<T> {
	/** Storage key prefix, e.g. 'blindeval.pending:'. */
	prefix: string;
	/** Words for warnings in the console, e.g. 'change' and 'changes'. */
	noun: string;
	nouns: string;
	/** The rater's pseudonym (a getter, so it is read when needed, never stale). */
	owner: () => string;
	/** The key below the owner: item code and field, one pending item per key. */
	keyOf(item: T): string;
	/** The item's code, for `pending`. */
	codeOf(item: T): string;
	/** A stored item, checked: storage is shared with every other script of this origin. */
	parse(text: string | null): T | null;
	/** The request for an item; `rater` lets the server refuse it if another link took over. */
	request(item: T, rater: string): { url: string; method: string; body: unknown };
}

const OFFLINE_RETRY_MS = 2000;
const MAX_RETRY_MS = 30_000;

export class PersistentQueue<T> {
	state = $state<SaveState>('idle');
	/** The server's message for the last refused item (already in the rater's language). */
	message = $state('');
	/**
	 * HTTP status of the last refused item, 0 when none. 401: the link is no longer valid;
	 * 403: the browser now holds another rater's link. Either way the page should not move on.
	 */
	status = $state(0);
	// Not rendered, so plain Maps on purpose: reactivity would only add work.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#queue = new Map<string, T>();
	/** Items waiting for a delay (the typing pause) before they join the queue. */
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#delayed = new Map<string, { item: T; timer: ReturnType<typeof setTimeout> }>();
	#running: Promise<void> | null = null;
	#wake: (() => void) | null = null;
	#stopped = false;
	#storage: Storage | null = null;
	#o: QueueOptions<T>;

	constructor(options: QueueOptions<T>) {
		this.#o = options;
		if (!browser) return;
		try {
			this.#storage = window.localStorage;
		} catch (e) {
			// Storage switched off by policy: items are still sent, only not kept across reloads.
			console.warn(
				`blindeval: localStorage unavailable, unsent ${options.nouns} live in memory only`,
				e
			);
		}
	}

	/**
	 * Starts sending: what earlier pages left in storage first, and again whenever the browser
	 * comes back online. Returns the function that stops listening (call it on destroy).
	 */
	start(): () => void {
		this.#stopped = false;
		for (const item of this.#stored()) this.#queue.set(this.#key(item), item);
		const online = () => this.#kick();
		window.addEventListener('online', online);
		this.#kick();
		return () => {
			window.removeEventListener('online', online);
			this.#stopped = true;
			this.#wake?.();
		};
	}

	/** Records an item: kept in storage at once, sent after `delayMs` or at once. */
	save(item: T, delayMs = 0): void {
		const key = this.#key(item);
		try {
			this.#storage?.setItem(key, JSON.stringify(item));
		} catch (e) {
			// Storage full or switched off: the item is still queued and sent from memory.
			console.warn(`blindeval: could not keep an unsent ${this.#o.noun} in localStorage`, e);
		}
		clearTimeout(this.#delayed.get(key)?.timer);
		this.#delayed.delete(key);
		this.#queue.delete(key); // re-inserted last: the newest item goes after older ones
		// Not "saved" while an item waits for its delay; "offline" stays until it is over.
		if (this.state !== 'offline') this.state = 'saving';
		if (delayMs > 0) {
			const timer = setTimeout(() => this.#enqueue(key, item), delayMs);
			this.#delayed.set(key, { item, timer });
		} else this.#enqueue(key, item);
	}

	/** Items of an item code not yet confirmed by the server: shown over the server's values. */
	pending(code: string): T[] {
		// Later sources win: this page's own queue and waiting items are newer than storage.
		const all: Record<string, T> = {};
		for (const item of this.#stored()) all[this.#key(item)] = item;
		for (const [key, item] of this.#queue) all[key] = item;
		for (const [key, { item }] of this.#delayed) all[key] = item;
		return Object.values(all).filter((item) => this.#o.codeOf(item) === code);
	}

	/** Sends waiting items now and resolves once everything so far is saved (or refused). */
	async flushed(): Promise<void> {
		for (const [key, { item, timer }] of this.#delayed) {
			clearTimeout(timer);
			this.#enqueue(key, item);
		}
		this.#kick();
		while (this.#running) await this.#running;
	}

	#enqueue(key: string, item: T): void {
		this.#delayed.delete(key);
		this.#queue.set(key, item);
		this.#kick();
	}

	#kick(): void {
		this.#wake?.();
		if (this.#queue.size) this.#running ??= this.#drain().finally(() => (this.#running = null));
	}

	async #drain(): Promise<void> {
		let refused = false;
		let delay = OFFLINE_RETRY_MS;
		while (this.#queue.size) {
			const [key, item] = this.#queue.entries().next().value!;
			this.state = 'saving';
			const { url, method, body } = this.#o.request(item, this.#o.owner());
			let response: Response;
			let text: string;
			try {
				response = await fetch(url, {
					method,
					headers: { 'content-type': 'application/json', accept: 'application/json' },
					body: JSON.stringify(body)
				});
				// Read the body in full: it releases the connection, and errors carry a message.
				text = await response.text();
			} catch {
				// No answer (offline, server unreachable): the item stays queued and stored.
				this.state = 'offline';
				if (!(await this.#pause(OFFLINE_RETRY_MS))) return;
				continue;
			}
			if (response.ok) {
				this.#settle(key, item);
				delay = OFFLINE_RETRY_MS;
				continue;
			}
			this.state = 'error';
			this.status = response.status;
			this.message = messageOf(text) ?? `HTTP ${response.status}`;
			// Kept until the rater opens their own link again.
			if (response.status === 401 || response.status === 403) return;
			if (response.status === 408 || response.status === 429 || response.status >= 500) {
				delay = Math.min(delay * 2, MAX_RETRY_MS);
				if (!(await this.#pause(delay))) return;
				continue;
			}
			// Refused for good (round locked, item gone, invalid): sending again cannot help.
			this.#settle(key, item);
			refused = true;
		}
		if (this.#delayed.size) this.state = 'saving';
		else if (!refused) {
			this.state = 'saved';
			this.status = 0;
			this.message = '';
		}
	}

	/** Waits `ms`, or until woken (back online, a new item); false once stopped. */
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

	/** The server has `item` (or refused it for good): forget it, unless a newer one replaced it. */
	#settle(key: string, item: T): void {
		if (this.#queue.get(key) === item) this.#queue.delete(key);
		try {
			// Another tab may have stored a newer item under the same key since: that one stays.
			if (this.#storage?.getItem(key) === JSON.stringify(item)) this.#storage.removeItem(key);
		} catch (e) {
			console.warn(`blindeval: could not remove a sent ${this.#o.noun} from localStorage`, e);
		}
	}

	#key(item: T): string {
		return `${this.#o.prefix}${this.#o.owner()}/${this.#o.keyOf(item)}`;
	}

	#stored(): T[] {
		const storage = this.#storage;
		if (!storage) return [];
		const items: T[] = [];
		const mine = `${this.#o.prefix}${this.#o.owner()}/`;
		try {
			for (let i = 0; i < storage.length; i++) {
				const key = storage.key(i);
				// Another rater's unsent items wait for them; they are never sent from here.
				if (!key?.startsWith(mine)) continue;
				const item = this.#o.parse(storage.getItem(key));
				if (item && this.#key(item) === key) items.push(item);
			}
		} catch (e) {
			console.warn(`blindeval: could not read unsent ${this.#o.nouns} from localStorage`, e);
		}
		return items;
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
