import { and, asc, count, eq, gt, sql } from 'drizzle-orm';
import { ROLES, type Role } from '../../domain/enums';
import { ConflictError, ValidationError, type Issue } from '../../errors';
import { canManageAccounts, requireThat } from './access';
import type { Actor, CoordinatorActor } from './actors';
import * as audit from '../audit/record';
import type { Db } from '../db';
import { sessions, users } from '../db/schema';
import { hashPassword, verifyPassword } from './password';
import { hashToken, newToken } from './tokens';

export const SESSION_DAYS = 7;
export const MIN_PASSWORD_LENGTH = 10;
export { ROLES, type Role };

/** Any advisory lock id, held while the first account is created (see createFirst). */
const SETUP_LOCK = 7_242_001;

export interface NewAccount {
	email: string;
	name: string;
	password: string;
	/** The password typed again, where a form asks for it. */
	confirm?: string;
	role?: Role;
}

/** Every problem of a new account at once, each naming its field. */
function check(input: NewAccount): { email: string; name: string; role: Role } {
	const email = input.email.trim().toLowerCase();
	const name = input.name.trim();
	const role = input.role ?? 'coordinator';
	const issues: Issue[] = [];
	if (!name) issues.push({ field: 'name', message: 'is required' });
	if (!/^[^\s@]+@[^\s@]+$/.test(email))
		issues.push({ field: 'email', message: 'is not an email address' });
	if (!ROLES.includes(role))
		issues.push({ field: 'role', message: `must be one of ${ROLES.join(', ')}` });
	if (input.password.length < MIN_PASSWORD_LENGTH)
		issues.push({
			field: 'password',
			message: `needs at least ${MIN_PASSWORD_LENGTH} characters`
		});
	else if (input.confirm !== undefined && input.confirm !== input.password)
		issues.push({ field: 'confirm', message: 'does not match the password' });
	if (issues.length) throw new ValidationError(issues, 'The account cannot be created');
	return { email, name, role };
}

function requireCoordinator(actor: Actor): void {
	requireThat(canManageAccounts(actor), 'Only coordinators manage accounts');
}

async function insert(
	tx: Db,
	actor: Actor | 'self',
	values: { email: string; name: string; role: Role; passwordHash: string }
): Promise<CoordinatorActor> {
	const [existing] = await tx
		.select({ id: users.id })
		.from(users)
		.where(eq(users.email, values.email));
	if (existing) throw new ConflictError(`A user with the email ${values.email} exists already`);
	const [user] = await tx.insert(users).values(values).returning();
	const created: CoordinatorActor = {
		type: 'user',
		id: user!.id,
		email: user!.email,
		name: user!.name,
		role: user!.role
	};
	await audit.record(tx, actor === 'self' ? created : actor, {
		action: actor === 'self' ? 'user.setup' : 'user.create',
		entity: 'user',
		entityId: user!.id,
		after: { email: values.email, name: values.name, role: values.role }
	});
	return created;
}

/** Adds an account (coordinators, and the command line). */
export async function create(db: Db, actor: Actor, input: NewAccount): Promise<CoordinatorActor> {
	requireCoordinator(actor);
	const valid = check(input);
	const passwordHash = await hashPassword(input.password);
	return db.transaction((tx) => insert(tx, actor, { ...valid, passwordHash }));
}

/** True while no account exists: the first visitor may then create the first coordinator. */
export async function needsSetup(db: Db): Promise<boolean> {
	const [row] = await db.select({ n: count() }).from(users);
	return row!.n === 0;
}

/**
 * First-run set-up: creates the first coordinator, only while no account exists. The check and
 * the insert run in one transaction under an advisory lock, so of two visitors racing, one
 * wins and the other gets a ConflictError. Audited as done by the new user.
 */
export async function createFirst(
	db: Db,
	input: Omit<NewAccount, 'role'>
): Promise<CoordinatorActor> {
	const valid = check({ ...input, role: 'coordinator' });
	const passwordHash = await hashPassword(input.password);
	return db.transaction(async (tx) => {
		await tx.execute(sql`select pg_advisory_xact_lock(${SETUP_LOCK})`);
		if (!(await needsSetup(tx)))
			throw new ConflictError('Set-up is done already: an account exists. Sign in instead.');
		return insert(tx, 'self', { ...valid, passwordHash });
	});
}

export interface AccountRow {
	id: string;
	email: string;
	name: string;
	role: Role;
	createdAt: Date;
}

export async function list(db: Db, actor: Actor): Promise<AccountRow[]> {
	requireCoordinator(actor);
	return db
		.select({
			id: users.id,
			email: users.email,
			name: users.name,
			role: users.role,
			createdAt: users.createdAt
		})
		.from(users)
		.orderBy(asc(users.createdAt), asc(users.email));
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
	await db.transaction(async (tx) => {
		await tx.update(users).set({ passwordHash }).where(eq(users.id, existing.id));
		// Never the hash: only that the password was set again.
		await audit.record(tx, actor, {
			action: 'user.password-reset',
			entity: 'user',
			entityId: existing.id,
			after: { email, password: 'set again' }
		});
	});
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
