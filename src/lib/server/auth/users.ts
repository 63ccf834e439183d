import { and, eq, gt } from 'drizzle-orm';
import { ConflictError, ValidationError } from '../../errors';
import type { Actor, CoordinatorActor } from './actors';
import * as audit from '../audit';
import type { Db } from '../db';
import { sessions, users } from '../db/schema';
import { hashPassword, verifyPassword } from './password';
import { hashToken, newToken } from './tokens';

export const SESSION_DAYS = 7;

export async function create(
	db: Db,
	actor: Actor,
	input: { email: string; name: string; password: string; role?: 'coordinator' | 'statistician' }
): Promise<CoordinatorActor> {
	const email = input.email.trim().toLowerCase();
	if (!/^[^\s@]+@[^\s@]+$/.test(email))
		throw new ValidationError([{ field: 'email', message: 'is not an email address' }]);
	if (input.password.length < 10)
		throw new ValidationError([{ field: 'password', message: 'needs at least 10 characters' }]);
	const passwordHash = await hashPassword(input.password);
	return db.transaction(async (tx) => {
		const [existing] = await tx.select({ id: users.id }).from(users).where(eq(users.email, email));
		if (existing) throw new ConflictError(`A user with the email ${email} exists already`);
		const [user] = await tx
			.insert(users)
			.values({
				email,
				name: input.name.trim() || email,
				role: input.role ?? 'coordinator',
				passwordHash
			})
			.returning();
		await audit.record(tx, actor, {
			action: 'user.create',
			entity: 'user',
			entityId: user!.id,
			after: { email, role: user!.role }
		});
		return { type: 'user', id: user!.id, email, name: user!.name, role: user!.role };
	});
}

/** Sets a new password, creating the user when missing (used by the demo and the CLI). */
export async function ensure(
	db: Db,
	actor: Actor,
	input: { email: string; name: string; password: string }
): Promise<void> {
	const email = input.email.trim().toLowerCase();
	const [existing] = await db.select().from(users).where(eq(users.email, email));
	if (!existing) {
		await create(db, actor, input);
		return;
	}
	const passwordHash = await hashPassword(input.password);
	await db.update(users).set({ passwordHash }).where(eq(users.id, existing.id));
}

/** Checks a password and opens a session; returns the cookie value, or null when wrong. */
export async function signIn(db: Db, email: string, password: string): Promise<string | null> {
	const [user] = await db.select().from(users).where(eq(users.email, email.trim().toLowerCase()));
	// Verify against a dummy hash when the user is unknown, so timing does not reveal accounts.
	const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
	if (!user || !ok) return null;
	const token = newToken();
	await db.insert(sessions).values({
		id: hashToken(token),
		userId: user.id,
		expiresAt: new Date(Date.now() + SESSION_DAYS * 86_400_000)
	});
	return token;
}

export async function fromSession(db: Db, token: string): Promise<CoordinatorActor | null> {
	const [row] = await db
		.select({ user: users })
		.from(sessions)
		.innerJoin(users, eq(users.id, sessions.userId))
		.where(and(eq(sessions.id, hashToken(token)), gt(sessions.expiresAt, new Date())));
	if (!row) return null;
	const u = row.user;
	return { type: 'user', id: u.id, email: u.email, name: u.name, role: u.role };
}

export async function signOut(db: Db, token: string): Promise<void> {
	await db.delete(sessions).where(eq(sessions.id, hashToken(token)));
}

const DUMMY_HASH =
	'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
