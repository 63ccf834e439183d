/**
 * Sends scores to the server one at a time, newest value per dimension wins, and retries
 * when the network fails, so a click is never lost while the page stays open. Saves are
 * idempotent on the server, so a retry after a lost response changes nothing.
 */
export type SaveState = 'idle' | 'saving' | 'saved' | 'offline' | 'error';

const RETRY_MS = 2000;

export class ScoreSaver {
	state = $state<SaveState>('idle');
	message = $state('');
	// Not rendered, so a plain Map on purpose: reactivity would only add work.
	// eslint-disable-next-line svelte/prefer-svelte-reactivity
	#queue = new Map<string, { code: string; dimension: string; score: number }>();
	#running: Promise<void> | null = null;

	save(code: string, dimension: string, score: number): void {
		this.#queue.set(`${code}/${dimension}`, { code, dimension, score });
		this.#running ??= this.#drain().finally(() => (this.#running = null));
	}

	/** Resolves once everything queued so far has reached the server (or failed for good). */
	async flushed(): Promise<void> {
		while (this.#running) await this.#running;
	}

	async #drain(): Promise<void> {
		while (this.#queue.size) {
			const [key, entry] = this.#queue.entries().next().value!;
			this.state = 'saving';
			let response: Response;
			try {
				response = await fetch(`/api/rater/items/${entry.code}/scores`, {
					method: 'PUT',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ dimension: entry.dimension, score: entry.score })
				});
			} catch {
				this.state = 'offline';
				await new Promise((r) => setTimeout(r, RETRY_MS));
				continue;
			}
			// Read the body in full: it releases the connection, and errors carry a message.
			const body = await response.text();
			if (this.#queue.get(key) === entry) this.#queue.delete(key);
			if (!response.ok) {
				this.state = 'error';
				this.message = messageOf(body) ?? `HTTP ${response.status}`;
				return;
			}
			this.message = '';
		}
		this.state = 'saved';
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
