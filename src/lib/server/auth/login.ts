/**
 * Sign-in with rate limiting: 10 failures in 15 minutes per client address and per account,
 * then 429 until the oldest of them is 15 minutes old (see rate-limit.ts).
 */
import type { Db } from '../db';
import { LoginLimiter } from './rate-limit';
import { signIn } from './users';

export const LOGIN_LIMITER = new LoginLimiter({ max: 10, windowMs: 15 * 60_000 });

export type Attempt =
	{ status: 'ok'; token: string } | { status: 'wrong' } | { status: 'limited'; minutes: number };

export async function attempt(
	db: Db,
	input: { email: string; password: string; ip: string },
	limiter: LoginLimiter = LOGIN_LIMITER
): Promise<Attempt> {
	const account = input.email.trim().toLowerCase();
	const wait = limiter.retryAfter(input.ip, account);
	if (wait > 0) return { status: 'limited', minutes: Math.ceil(wait / 60_000) };
	// Counted before the password is checked, so parallel guesses cannot all slip through
	// while the first ones are still being verified; a success takes it back.
	limiter.fail(input.ip, account);
	const token = await signIn(db, account, input.password);
	if (!token) return { status: 'wrong' };
	limiter.succeed(input.ip, account);
	return { status: 'ok', token };
}

export function limitedMessage(minutes: number): string {
	return `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}
