/**
 * Sends a rater's error marks to the server like ScoreSaver sends scores (score-saver.svelte.ts
 * explains why): each change is kept in localStorage before it is sent and removed only once the
 * server has it, so it survives an outage, a reload or a closed tab, and is sent again on the
 * next page load or when the browser is back online. One pending change per mark, the newest
 * wins: the whole mark (POST …/marks: creates it, or changes it, by the id this browser chose)
 * or its deletion (DELETE …/marks/<id>). Both are idempotent on the server.
 *
 * Storage keys hold the rater's pseudonym, the item code and the mark's id (never the link).
 */
import { browser } from '$app/environment';
import type { Mark } from '$lib/domain/marks';
import type { SaveState } from './score-saver.svelte';

export type MarkChange =
	{ op: 'save'; code: string; mark: Mark } | { op: 'delete'; code: string; id: string };

const PREFIX = 'blindeval.marks:';
const RETRY_MS = 2000;
const MAX_RETRY_MS = 30_000;

function parse(text: string | null): MarkChange | null {
	if (!text) return null;
	try {
		const c = JSON.parse(text) as Partial<MarkChange & { mark: Mark; id: string }>;
		if (typeof c?.code !== 'string') return null;
		if (c.op === 'save' && typeof c.mark?.id === 'string') return c as MarkChange;
		if (c.op === 'delete' && typeof c.id === 'string') return c as MarkChange;
	} catch {
		// not written by this module: ignored (and never sent)
	}
	return null;
}

const idOf = (c: MarkChange) => (c.op === 'save' ? c.mark.id : c.id);

/**
 * A new mark's id: a random UUID (v4). Made from crypto.getRandomValues, which browsers offer on
 * every page, as crypto.randomUUID is missing outside secure contexts (a plain-HTTP intranet).
 */
export function newMarkId(): string {
	const b = crypto.getRandomValues(new Uint8Array(16));
	b[6] = (b[6]! & 0x0f) | 0x40;
	b[8] = (b[8]! & 0x3f) | 0x80;
	const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The marks the server sent, with this browser's unsent changes applied over them. */
export function withPending(marks: readonly Mark[], changes: readonly MarkChange[]): Mark[] {
	// A local, never rendered: a plain Map.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	const out = new Map(marks.map((m) => [m.id, m]));
	for (const c of changes)
		if (c.op === 'save') out.set(c.mark.id, c.mark);
		else out.delete(c.id);
	return [...out.values()];
}

export class MarkSaver {
	state = $state<SaveState>('idle');
	/** The server's message for the last refused change (in the rater's language). */
	message = $state('');
	status = $state(0);
	// Not rendered: plain Map on purpose.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#queue = new Map<string, MarkChange>();
	#running: Promise<void> | null = null;
	#wake: (() => void) | null = null;
	#stopped = false;
	#storage: Storage | null = null;
	#owner: () => string;

	constructor(owner: () => string) {
		this.#owner = owner;
		if (!browser) return;
		try {
			this.#storage = window.localStorage;
		} catch (e) {
			console.warn('blindeval: localStorage unavailable, unsent marks live in memory only', e);
		}
	}

	/** Sends what earlier pages left, and again when back online; returns the stop function. */
	start(): () => void {
		this.#stopped = false;
		for (const c of this.#stored()) this.#queue.set(this.#key(c), c);
		const online = () => this.#kick();
		window.addEventListener('online', online);
		this.#kick();
		return () => {
			window.removeEventListener('online', online);
			this.#stopped = true;
			this.#wake?.();
		};
	}

	save(change: MarkChange): void {
		const key = this.#key(change);
		try {
			this.#storage?.setItem(key, JSON.stringify(change));
		} catch (e) {
			console.warn('blindeval: could not keep an unsent mark in localStorage', e);
		}
		this.#queue.delete(key);
		this.#queue.set(key, change);
		if (this.state !== 'offline') this.state = 'saving';
		this.#kick();
	}

	/** This item's changes the server has not confirmed yet (stored ones and queued ones). */
	pending(code: string): MarkChange[] {
		const all: Record<string, MarkChange> = {};
		for (const c of this.#stored()) all[this.#key(c)] = c;
		for (const [key, c] of this.#queue) all[key] = c;
		return Object.values(all).filter((c) => c.code === code);
	}

	async flushed(): Promise<void> {
		this.#kick();
		while (this.#running) await this.#running;
	}

	#kick(): void {
		this.#wake?.();
		if (this.#queue.size) this.#running ??= this.#drain().finally(() => (this.#running = null));
	}

	async #drain(): Promise<void> {
		let refused = false;
		let delay = RETRY_MS;
		while (this.#queue.size) {
			const [key, change] = this.#queue.entries().next().value!;
			this.state = 'saving';
			const base = `/api/rater/items/${encodeURIComponent(change.code)}/marks`;
			const rater = this.#owner();
			let response: Response;
			let text: string;
			try {
				response = await fetch(
					change.op === 'save' ? base : `${base}/${encodeURIComponent(change.id)}`,
					{
						method: change.op === 'save' ? 'POST' : 'DELETE',
						headers: { 'content-type': 'application/json', accept: 'application/json' },
						body: JSON.stringify(change.op === 'save' ? { ...change.mark, rater } : { rater })
					}
				);
				text = await response.text();
			} catch {
				this.state = 'offline';
				if (!(await this.#pause(RETRY_MS))) return;
				continue;
			}
			if (response.ok) {
				this.#settle(key, change);
				delay = RETRY_MS;
				continue;
			}
			this.state = 'error';
			this.status = response.status;
			this.message = messageOf(text) ?? `HTTP ${response.status}`;
			if (response.status === 401 || response.status === 403) return;
			const later = response.status === 408 || response.status === 429 || response.status >= 500;
			if (later) {
				delay = Math.min(delay * 2, MAX_RETRY_MS);
				if (!(await this.#pause(delay))) return;
				continue;
			}
			this.#settle(key, change); // refused for good: sending again cannot help
			refused = true;
		}
		if (!refused) {
			this.state = 'saved';
			this.status = 0;
			this.message = '';
		}
	}

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

	/** The server has `change`: forget it, unless a newer change of the same mark replaced it. */
	#settle(key: string, change: MarkChange): void {
		if (this.#queue.get(key) === change) this.#queue.delete(key);
		try {
			const stored = this.#storage?.getItem(key) ?? null;
			if (stored === JSON.stringify(change)) this.#storage?.removeItem(key);
		} catch (e) {
			console.warn('blindeval: could not remove a sent mark from localStorage', e);
		}
	}

	#key(change: MarkChange): string {
		return `${PREFIX}${this.#owner()}/${change.code}/${idOf(change)}`;
	}

	#stored(): MarkChange[] {
		const storage = this.#storage;
		if (!storage) return [];
		const out: MarkChange[] = [];
		const mine = `${PREFIX}${this.#owner()}/`;
		try {
			for (let i = 0; i < storage.length; i++) {
				const key = storage.key(i);
				if (!key?.startsWith(mine)) continue; // another rater's marks wait for them
				const c = parse(storage.getItem(key));
				if (c && this.#key(c) === key) out.push(c);
			}
		} catch (e) {
			console.warn('blindeval: could not read unsent marks from localStorage', e);
		}
		return out;
	}
}

function messageOf(body: string): string | undefined {
	try {
		const parsed = JSON.parse(body) as { message?: unknown };
		return typeof parsed.message === 'string' ? parsed.message : undefined;
	} catch {
		return undefined; // not JSON: the status is shown instead
	}
}
