/**
 * Sign-in with rate limiting (see rate-limit.ts and docs/security.md): per account and client
 * address together, 5 failures free, then a wait of 15 s after the last failure, doubling with
 * each further failure up to 15 minutes; per address over all accounts, 30 failures in 15
 * minutes. Wrong passwords from one address never hold back the account's owner at another.
 */
import type { Db } from '../db';
import { LoginLimiter, type LimiterOptions } from './rate-limit';
import { signIn } from './users';

const MINUTE = 60_000;

export const SIGN_IN_LIMITS: LimiterOptions = {
	freeFailures: 5,
	baseDelayMs: 15_000,
	maxDelayMs: 15 * MINUTE,
	forgetMs: 24 * 60 * MINUTE,
	addressMax: 30,
	addressWindowMs: 15 * MINUTE
};

export const LOGIN_LIMITER = new LoginLimiter(SIGN_IN_LIMITS);

export type Attempt =
	{ status: 'ok'; token: string } | { status: 'wrong' } | { status: 'limited'; seconds: number };

export async function attempt(
	db: Db,
	input: { email: string; password: string; ip: string },
	limiter: LoginLimiter = LOGIN_LIMITER
): Promise<Attempt> {
	const account = input.email.trim().toLowerCase();
	// No account has an empty email and no password is empty: such a form is wrong without a
	// hash check, and not counted (it guesses nothing).
	if (!account || !input.password) return { status: 'wrong' };
	const wait = limiter.retryAfter(input.ip, account);
	if (wait > 0) return { status: 'limited', seconds: Math.ceil(wait / 1000) };
	// Counted before the password is checked, so parallel guesses cannot all slip through
	// while the first ones are still being verified; a success takes it back.
	limiter.fail(input.ip, account);
	const token = await signIn(db, account, input.password);
	if (!token) return { status: 'wrong' };
	limiter.succeed(input.ip, account);
	return { status: 'ok', token };
}

/** "Try again in 15 seconds." under a minute, else whole minutes rounded up. */
export function limitedMessage(seconds: number): string {
	const [n, unit] = seconds < 60 ? [seconds, 'second'] : [Math.ceil(seconds / 60), 'minute'];
	return `Too many failed sign-ins. Try again in ${n} ${unit}${n === 1 ? '' : 's'}.`;
}
