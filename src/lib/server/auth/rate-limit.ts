/**
 * Failed sign-ins, in memory, limited two ways:
 *
 * - per account **and** client address together, with growing delays: after `freeFailures`
 *   failures of one account from one address, that address must wait `baseDelayMs` after its
 *   last failure before trying that account again, twice as long after each further failure, at
 *   most `maxDelayMs`. The count is forgotten `forgetMs` after the last failure, or at a success.
 *   Other addresses are never held back by it, so wrong passwords sent from one place cannot lock
 *   the account's owner out elsewhere (which a per-account limit allowed);
 * - per address over all accounts: at most `addressMax` failures in any `addressWindowMs`, then
 *   that address waits until its oldest failure in the window expires (one address spraying many
 *   accounts).
 *
 * In memory on purpose (one server process; see docs/security.md): a restart forgets the counts.
 * The address is what adapter-node reports: behind a reverse proxy it must be told which header
 * holds the client's address (ADDRESS_HEADER, XFF_DEPTH), or every user shares the proxy's.
 */
export interface LimiterOptions {
	/** Failures of one account from one address before the delays start. */
	freeFailures: number;
	/** The first delay; it doubles with each further failure. */
	baseDelayMs: number;
	maxDelayMs: number;
	/** An account–address pair's failures are forgotten this long after its last one. */
	forgetMs: number;
	addressMax: number;
	addressWindowMs: number;
	/** Milliseconds since the epoch; injected so tests can move time. */
	now?: () => number;
	/** Failures and pairs kept at most (oldest dropped first), so a flood cannot exhaust memory. */
	capacity?: number;
}

interface Failure {
	ip: string;
	account: string;
	at: number;
}

interface PairState {
	failures: number;
	last: number;
}

export class LoginLimiter {
	private readonly opts: Required<LimiterOptions>;
	/** Every failure in the address window, in the order they happened. */
	private recent: Failure[] = [];
	/** Per account–address pair; Map order is least recently failed first. */
	private pairs = new Map<string, PairState>();

	constructor(opts: LimiterOptions) {
		this.opts = { now: Date.now, capacity: 100_000, ...opts };
	}

	/** Milliseconds until this address may try this account again; 0 when it may now. */
	retryAfter(ip: string, account: string): number {
		this.prune();
		return Math.max(this.addressWait(ip), this.pairWait(ip, account));
	}

	/** The delay that `failures` failures of one pair impose after the last of them. */
	delayAfter(failures: number): number {
		const { freeFailures, baseDelayMs, maxDelayMs } = this.opts;
		if (failures < freeFailures) return 0;
		return Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(failures - freeFailures, 30));
	}

	fail(ip: string, account: string): void {
		this.prune();
		const at = this.opts.now();
		this.recent.push({ ip, account, at });
		if (this.recent.length > this.opts.capacity) this.recent.shift();
		const key = pairKey(ip, account);
		const state = this.pairs.get(key);
		this.pairs.delete(key); // re-inserted last: most recently failed
		this.pairs.set(key, { failures: (state?.failures ?? 0) + 1, last: at });
		if (this.pairs.size > this.opts.capacity) this.pairs.delete(this.pairs.keys().next().value!);
	}

	/** Forgets this account's failures from this address (and only those). */
	succeed(ip: string, account: string): void {
		this.pairs.delete(pairKey(ip, account));
		this.recent = this.recent.filter((f) => f.ip !== ip || f.account !== account);
	}

	private pairWait(ip: string, account: string): number {
		const state = this.pairs.get(pairKey(ip, account));
		if (!state) return 0;
		return Math.max(0, state.last + this.delayAfter(state.failures) - this.opts.now());
	}

	/** Blocked while `addressMax` failures are in the window: until the one that makes it so expires. */
	private addressWait(ip: string): number {
		const { addressMax, addressWindowMs, now } = this.opts;
		const mine = this.recent.filter((f) => f.ip === ip);
		if (mine.length < addressMax) return 0;
		return Math.max(0, mine[mine.length - addressMax]!.at + addressWindowMs - now());
	}

	private prune(): void {
		const now = this.opts.now();
		const from = now - this.opts.addressWindowMs;
		let i = 0;
		while (i < this.recent.length && this.recent[i]!.at <= from) i++;
		if (i) this.recent = this.recent.slice(i);
		// Least recently failed first: stop at the first pair still remembered.
		for (const [key, state] of this.pairs) {
			if (state.last + this.opts.forgetMs > now) break;
			this.pairs.delete(key);
		}
	}
}

/** Unambiguous whatever the characters of either part. */
function pairKey(ip: string, account: string): string {
	return JSON.stringify([ip, account]);
}
