/**
 * Sends a rater's error marks to the server like ScoreSaver sends scores, through the same
 * PersistentQueue (persistent-queue.svelte.ts explains why and how): each change is kept in
 * localStorage before it is sent and removed only once the server has it, so it survives an
 * outage, a reload or a closed tab, and is sent again on the next page load or when the browser
 * is back online. One pending change per mark, the newest
 * wins: the whole mark (POST …/marks: creates it, or changes it, by the id this browser chose)
 * or its deletion (DELETE …/marks/<id>). Both are idempotent on the server.
 *
 * Storage keys hold the rater's pseudonym, the item code and the mark's id (never the link).
 */
import type { Mark } from '$lib/domain/marks';
import { PersistentQueue } from './persistent-queue.svelte';

export type MarkChange =
	{ op: 'save'; code: string; mark: Mark } | { op: 'delete'; code: string; id: string };

const PREFIX = 'blindeval.marks:';

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

/** Sends a rater's mark changes through a PersistentQueue, one pending change per mark. */
export class MarkSaver extends PersistentQueue<MarkChange> {
	/** `owner`: the rater's pseudonym (a getter, so it is read when needed, never stale). */
	constructor(owner: () => string) {
		super({
			prefix: PREFIX,
			noun: 'mark',
			nouns: 'marks',
			owner,
			keyOf: (c) => `${c.code}/${idOf(c)}`,
			codeOf: (c) => c.code,
			parse,
			request(change, rater) {
				const base = `/api/rater/items/${encodeURIComponent(change.code)}/marks`;
				return change.op === 'save'
					? { url: base, method: 'POST', body: { ...change.mark, rater } }
					: { url: `${base}/${encodeURIComponent(change.id)}`, method: 'DELETE', body: { rater } };
			}
		});
	}
}
