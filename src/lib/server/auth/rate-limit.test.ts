import { describe, expect, it } from 'vitest';
import { LoginLimiter } from './rate-limit';

const MINUTE = 60_000;

function limiter() {
	let now = 1_000_000;
	const l = new LoginLimiter({ max: 3, windowMs: 15 * MINUTE, now: () => now });
	return { l, advance: (ms: number) => (now += ms) };
}

describe('LoginLimiter', () => {
	it('lets an address try until max failures, then blocks it until the oldest expires', () => {
		const { l, advance } = limiter();
		expect(l.retryAfter('1.1.1.1', 'a')).toBe(0);
		l.fail('1.1.1.1', 'a');
		advance(MINUTE);
		l.fail('1.1.1.1', 'b');
		advance(MINUTE);
		expect(l.retryAfter('1.1.1.1', 'c')).toBe(0);
		l.fail('1.1.1.1', 'c');
		// three failures from this address, on three accounts: the address is blocked for any
		expect(l.retryAfter('1.1.1.1', 'z')).toBe(13 * MINUTE);
		advance(13 * MINUTE - 1);
		expect(l.retryAfter('1.1.1.1', 'z')).toBe(1);
		advance(1);
		expect(l.retryAfter('1.1.1.1', 'z')).toBe(0);
		// another address is not blocked at any time
		expect(l.retryAfter('2.2.2.2', 'z')).toBe(0);
	});

	it('blocks an account attacked from several addresses, for every address', () => {
		const { l } = limiter();
		l.fail('1.1.1.1', 'a');
		l.fail('2.2.2.2', 'a');
		l.fail('3.3.3.3', 'a');
		expect(l.retryAfter('4.4.4.4', 'a')).toBe(15 * MINUTE);
		expect(l.retryAfter('4.4.4.4', 'b')).toBe(0);
	});

	it('a success forgets only that account from that address', () => {
		const { l } = limiter();
		l.fail('1.1.1.1', 'a');
		l.fail('1.1.1.1', 'a');
		l.fail('2.2.2.2', 'a');
		l.fail('2.2.2.2', 'b');
		l.fail('2.2.2.2', 'b');
		l.succeed('2.2.2.2', 'b');
		// 2.2.2.2's failure on a still counts: a is at 3, blocked
		expect(l.retryAfter('9.9.9.9', 'a')).toBeGreaterThan(0);
		l.succeed('2.2.2.2', 'a');
		expect(l.retryAfter('9.9.9.9', 'a')).toBe(0);
		// 1.1.1.1's own failures are untouched by the other address's success
		l.fail('1.1.1.1', 'c');
		expect(l.retryAfter('1.1.1.1', 'x')).toBeGreaterThan(0);
	});

	it('keeps at most `capacity` failures', () => {
		const l = new LoginLimiter({ max: 2, windowMs: MINUTE, now: () => 0, capacity: 3 });
		l.fail('1', 'a');
		l.fail('1', 'a');
		expect(l.retryAfter('1', 'a')).toBe(MINUTE);
		l.fail('2', 'b');
		l.fail('3', 'c');
		// the two oldest fell out
		expect(l.retryAfter('1', 'a')).toBe(0);
	});
});
