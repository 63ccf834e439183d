/**
 * Failed sign-ins per client address and per account, in memory: at most `max` failures in any
 * `windowMs`, after which that address or that account is refused until its oldest failure in
 * the window expires. In memory on purpose (one server process; see docs/security.md): a restart
 * forgets the counts.
 *
 * A success forgets only the failures of that account from that address, so signing in from
 * one place (or with one's own account) never clears the failures counted elsewhere.
 */
export interface LimiterOptions {
	max: number;
	windowMs: number;
	/** Milliseconds since the epoch; injected so tests can move time. */
	now?: () => number;
	/** Failures kept at most (oldest dropped first), so a flood cannot exhaust memory. */
	capacity?: number;
}

interface Failure {
	ip: string;
	account: string;
	at: number;
}

export class LoginLimiter {
	readonly max: number;
	readonly windowMs: number;
	private readonly now: () => number;
	private readonly capacity: number;
	/** In the order they happened. */
	private failures: Failure[] = [];

	constructor(opts: LimiterOptions) {
		this.max = opts.max;
		this.windowMs = opts.windowMs;
		this.now = opts.now ?? Date.now;
		this.capacity = opts.capacity ?? 100_000;
	}

	/** Milliseconds until this address may try this account again; 0 when it may now. */
	retryAfter(ip: string, account: string): number {
		this.prune();
		return Math.max(
			this.waitFor(this.failures.filter((f) => f.ip === ip)),
			this.waitFor(this.failures.filter((f) => f.account === account))
		);
	}

	fail(ip: string, account: string): void {
		this.prune();
		this.failures.push({ ip, account, at: this.now() });
		if (this.failures.length > this.capacity) this.failures.shift();
	}

	succeed(ip: string, account: string): void {
		this.failures = this.failures.filter((f) => f.ip !== ip || f.account !== account);
	}

	/** Blocked while `max` failures are in the window: until the one that makes it `max` expires. */
	private waitFor(failures: Failure[]): number {
		if (failures.length < this.max) return 0;
		const oldestThatCounts = failures[failures.length - this.max]!;
		return Math.max(0, oldestThatCounts.at + this.windowMs - this.now());
	}

	private prune(): void {
		const from = this.now() - this.windowMs;
		let i = 0;
		while (i < this.failures.length && this.failures[i]!.at <= from) i++;
		if (i) this.failures = this.failures.slice(i);
	}
}
