/**
 * Time on item: the seconds a letter is open in a visible tab, reported to the server (see
 * VisibleTime). Kept apart from the score saver: time is additive, scores are idempotent, so
 * the two are sent by different rules.
 */
/** How often visible time is reported while the item stays open. */
export const TIME_REPORT_MS = 15_000;
/** As MAX_SECONDS_PER_REPORT in server/rating.ts: the server refuses larger reports. */
const MAX_REPORT_SECONDS = 3600;

/**
 * Counts the seconds an item is open in a visible tab and reports them: every 15 s, when the
 * tab is hidden, when the rater moves to another item, and on pagehide through
 * navigator.sendBeacon (the only request a closing page reliably gets out). Time is additive,
 * not idempotent, so a report is sent once; one that fails for want of network is added back.
 */
export class VisibleTime {
	#owner: () => string;
	#code: string | null = null;
	#since: number | null = null;
	#ms = 0;

	/** `owner`: the rater's pseudonym, as for ScoreSaver. */
	constructor(owner: () => string) {
		this.#owner = owner;
	}

	/** Starts counting for `code`; returns the function that stops (reporting what is left). */
	start(code: string): () => void {
		this.#code = code;
		this.#ms = 0;
		this.#since = document.visibilityState === 'visible' ? performance.now() : null;
		const onVisibility = () => {
			if (document.visibilityState === 'visible') this.#since ??= performance.now();
			else void this.#report(true);
		};
		const onPageHide = () => void this.#report(true);
		const onPageShow = () => {
			if (document.visibilityState === 'visible') this.#since ??= performance.now();
		};
		document.addEventListener('visibilitychange', onVisibility);
		window.addEventListener('pagehide', onPageHide);
		window.addEventListener('pageshow', onPageShow);
		const timer = setInterval(() => void this.#report(false), TIME_REPORT_MS);
		return () => {
			clearInterval(timer);
			document.removeEventListener('visibilitychange', onVisibility);
			window.removeEventListener('pagehide', onPageHide);
			window.removeEventListener('pageshow', onPageShow);
			void this.#report(false);
			this.#code = null;
		};
	}

	/** Reports the time so far and resolves once the server has it (or it could not be sent). */
	flush(): Promise<void> {
		// Never rejects: a lost time report must not keep the rater from the next letter.
		return this.#report(false).catch((e: unknown) => console.warn('blindeval: time report', e));
	}

	async #report(beacon: boolean): Promise<void> {
		const code = this.#code;
		if (!code) return;
		const now = performance.now();
		if (this.#since !== null) this.#ms += now - this.#since;
		this.#since = document.visibilityState === 'visible' && !beacon ? now : null;
		const seconds = Math.min(Math.floor(this.#ms / 1000), MAX_REPORT_SECONDS);
		if (seconds < 1) return;
		this.#ms -= seconds * 1000;
		const url = `/api/rater/items/${encodeURIComponent(code)}/time`;
		const body = JSON.stringify({ seconds, rater: this.#owner() });
		// sendBeacon sends text/plain; the endpoint parses the JSON itself.
		if (beacon && navigator.sendBeacon?.(url, body)) return;
		let response: Response;
		try {
			response = await fetch(url, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body,
				keepalive: true
			});
		} catch {
			// Offline: keep the seconds for the next report (if still on this item).
			if (this.#code === code) this.#ms += seconds * 1000;
			return;
		}
		// Read to release the connection; the answer (the new total) is not needed.
		await response.text();
	}
}
