import { describe, expect, it } from 'vitest';
import { LoginLimiter, type LimiterOptions } from './rate-limit';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

function limiter(opts: Partial<LimiterOptions> = {}) {
	let now = 1_000_000;
	const l = new LoginLimiter({
		freeFailures: 3,
		baseDelayMs: 10 * SECOND,
		maxDelayMs: 2 * MINUTE,
		forgetMs: 60 * MINUTE,
		addressMax: 8,
		addressWindowMs: 15 * MINUTE,
		now: () => now,
		...opts
	});
	return { l, advance: (ms: number) => (now += ms) };
}

describe('LoginLimiter', () => {
	it('lets an address try an account freely at first, then with doubling delays up to the cap', () => {
		const { l, advance } = limiter({ addressMax: 1000 });
		for (let i = 0; i < 3; i++) {
			expect(l.retryAfter('1.1.1.1', 'a')).toBe(0);
			l.fail('1.1.1.1', 'a');
		}
		// 3 failures: 10 s after the last one, then 20, 40, 80 s, then the 2-minute cap
		for (const delay of [10, 20, 40, 80, 120, 120].map((s) => s * SECOND)) {
			expect(l.retryAfter('1.1.1.1', 'a')).toBe(delay);
			advance(delay - 1);
			expect(l.retryAfter('1.1.1.1', 'a')).toBe(1);
			advance(1);
			expect(l.retryAfter('1.1.1.1', 'a')).toBe(0);
			l.fail('1.1.1.1', 'a');
		}
		expect([0, 2, 3, 4, 8, 40].map((n) => l.delayAfter(n) / SECOND)).toEqual([
			0, 0, 10, 20, 120, 120
		]);
	});

	it('never holds back another address of the same account', () => {
		const { l, advance } = limiter({ addressMax: 1000 });
		for (let i = 0; i < 50; i++) {
			advance(l.retryAfter('6.6.6.6', 'coordinator@clinic'));
			l.fail('6.6.6.6', 'coordinator@clinic');
		}
		expect(l.retryAfter('6.6.6.6', 'coordinator@clinic')).toBe(2 * MINUTE);
		expect(l.retryAfter('10.0.0.2', 'coordinator@clinic')).toBe(0);
		// nor the attacking address on another account (until the address limit, below)
		expect(l.retryAfter('6.6.6.6', 'other@clinic')).toBe(0);
	});

	it('limits one address over all accounts until its oldest failure in the window expires', () => {
		const { l, advance } = limiter();
		for (let i = 0; i < 8; i++) {
			expect(l.retryAfter('1.1.1.1', `user${i}`)).toBe(0);
			l.fail('1.1.1.1', `user${i}`);
			advance(MINUTE);
		}
		// eight failures on eight accounts, the first 8 minutes ago: blocked for any account
		expect(l.retryAfter('1.1.1.1', 'someone-new')).toBe(7 * MINUTE);
		expect(l.retryAfter('2.2.2.2', 'user0')).toBe(0);
		advance(7 * MINUTE);
		expect(l.retryAfter('1.1.1.1', 'someone-new')).toBe(0);
	});

	it('a success forgets only that account from that address', () => {
		const { l } = limiter();
		for (let i = 0; i < 3; i++) {
			l.fail('1.1.1.1', 'a');
			l.fail('2.2.2.2', 'a');
			l.fail('2.2.2.2', 'b');
		}
		l.succeed('2.2.2.2', 'b');
		expect(l.retryAfter('2.2.2.2', 'b')).toBe(0);
		expect(l.retryAfter('2.2.2.2', 'a')).toBe(10 * SECOND);
		expect(l.retryAfter('1.1.1.1', 'a')).toBe(10 * SECOND);
		// the address count lost b's three failures: five more reach the limit of eight, not two
		for (let i = 0; i < 4; i++) l.fail('2.2.2.2', `c${i}`);
		expect(l.retryAfter('2.2.2.2', 'z')).toBe(0);
		l.fail('2.2.2.2', 'c4');
		expect(l.retryAfter('2.2.2.2', 'z')).toBe(15 * MINUTE);
	});

	it('forgets a pair `forgetMs` after its last failure', () => {
		const { l, advance } = limiter({ addressWindowMs: MINUTE });
		for (let i = 0; i < 5; i++) l.fail('1.1.1.1', 'a');
		expect(l.retryAfter('1.1.1.1', 'a')).toBe(40 * SECOND);
		advance(60 * MINUTE - 1);
		l.fail('3.3.3.3', 'x'); // some other traffic meanwhile
		expect(l.retryAfter('1.1.1.1', 'a')).toBe(0);
		l.fail('1.1.1.1', 'a');
		// still remembered: six failures now
		expect(l.retryAfter('1.1.1.1', 'a')).toBe(80 * SECOND);
		advance(60 * MINUTE);
		l.fail('1.1.1.1', 'a');
		// forgotten: this is the first failure again
		expect(l.retryAfter('1.1.1.1', 'a')).toBe(0);
	});

	it('keeps at most `capacity` failures and pairs', () => {
		const { l } = limiter({ freeFailures: 1, addressMax: 2, capacity: 3 });
		l.fail('1', 'a');
		l.fail('1', 'a');
		expect(l.retryAfter('1', 'a')).toBe(15 * MINUTE);
		l.fail('2', 'b');
		l.fail('3', 'c');
		l.fail('4', 'd');
		// the oldest failures and the oldest pair fell out
		expect(l.retryAfter('1', 'a')).toBe(0);
		expect(l.retryAfter('4', 'd')).toBe(10 * SECOND);
	});
});
