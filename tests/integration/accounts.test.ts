/**
 * Accounts on both databases: the first-run set-up (once, race-safe, audited), coordinators
 * adding accounts, statisticians refused every change and the exports of rounds not yet
 * unblinded, and sign-in rate limiting through the login service (per account and address,
 * never locking the account at another address).
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, ForbiddenError, ValidationError } from '../../src/lib/errors';
import { CLI, type CoordinatorActor } from '../../src/lib/server/auth/actors';
import { SIGN_IN_LIMITS, attempt, limitedMessage } from '../../src/lib/server/auth/login';
import { LoginLimiter } from '../../src/lib/server/auth/rate-limit';
import * as users from '../../src/lib/server/auth/users';
import type { Database } from '../../src/lib/server/db';
import * as schema from '../../src/lib/server/db/schema';
import { exportStream } from '../../src/lib/server/exports';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { TEST_DATABASES } from '../support/databases';
import { optOutForTest } from '../support/preregister';

const PASSWORD = 'first-coordinator-pw';
/** The demo study's checkpoints with outputs (tiny-random is generated, so not here). */
const IMPORTED = ['llama3-8b-instruct', 'llama3-8b-qlora-letters'];

describe.each(TEST_DATABASES)('accounts on $name', ({ create }) => {
	let database: Database;
	let first: CoordinatorActor;
	let statistician: CoordinatorActor;

	beforeAll(async () => {
		database = await create();
	});
	afterAll(async () => {
		await database?.close();
	});

	it('refuses a bad first account, naming every field', async () => {
		const e = await users
			.createFirst(database.db, { name: ' ', email: 'nope', password: 'short', confirm: 'short' })
			.catch((x: unknown) => x);
		expect(e).toBeInstanceOf(ValidationError);
		expect((e as ValidationError).issues.map((i) => i.field)).toEqual([
			'name',
			'email',
			'password'
		]);
		const mismatch = await users
			.createFirst(database.db, {
				name: 'Ann',
				email: 'ann@x.test',
				password: PASSWORD,
				confirm: 'something-else'
			})
			.catch((x: unknown) => x);
		expect((mismatch as ValidationError).issues).toEqual([
			{ field: 'confirm', message: 'does not match the password' }
		]);
		expect(await users.needsSetup(database.db)).toBe(true);
	});

	it('creates exactly one first coordinator when two visitors race', async () => {
		const input = (n: number) => ({
			name: `First ${n}`,
			email: `first${n}@x.test`,
			password: PASSWORD,
			confirm: PASSWORD
		});
		const results = await Promise.allSettled([
			users.createFirst(database.db, input(1)),
			users.createFirst(database.db, input(2))
		]);
		const won = results.filter((r) => r.status === 'fulfilled');
		const lost = results.filter((r) => r.status === 'rejected');
		expect(won).toHaveLength(1);
		expect(lost).toHaveLength(1);
		expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
		first = (won[0] as PromiseFulfilledResult<CoordinatorActor>).value;
		expect(first.role).toBe('coordinator');
		expect(await database.db.select().from(schema.users)).toHaveLength(1);
		expect(await users.needsSetup(database.db)).toBe(false);
		const [row] = await database.db
			.select()
			.from(schema.auditLog)
			.where(eq(schema.auditLog.action, 'user.setup'));
		expect(row).toMatchObject({ actorType: 'user', actorId: first.id, entityId: first.id });
		expect(row!.after).toEqual({ email: first.email, name: first.name, role: 'coordinator' });
	});

	it('refuses set-up once an account exists', async () => {
		await expect(
			users.createFirst(database.db, {
				name: 'Late',
				email: 'late@x.test',
				password: PASSWORD,
				confirm: PASSWORD
			})
		).rejects.toThrow(ConflictError);
	});

	it('lets a coordinator add a statistician, audited, and list accounts', async () => {
		statistician = await users.create(database.db, first, {
			name: 'Stan',
			email: 'Stan@X.test',
			password: 'statistician-pw',
			role: 'statistician'
		});
		expect(statistician).toMatchObject({ email: 'stan@x.test', role: 'statistician' });
		const [row] = await database.db
			.select()
			.from(schema.auditLog)
			.where(eq(schema.auditLog.entityId, statistician.id));
		expect(row).toMatchObject({ action: 'user.create', actorType: 'user', actorId: first.id });
		const listed = await users.list(database.db, first);
		expect(listed.map((a) => [a.email, a.role])).toEqual([
			[first.email, 'coordinator'],
			['stan@x.test', 'statistician']
		]);
		await expect(
			users.create(database.db, first, {
				name: 'Stan again',
				email: 'stan@x.test',
				password: 'statistician-pw',
				role: 'statistician'
			})
		).rejects.toThrow(ConflictError);
		const badRole = await users
			.create(database.db, first, {
				name: 'R',
				email: 'r@x.test',
				password: 'long-enough-pw',
				role: 'admin' as users.Role
			})
			.catch((x: unknown) => x);
		expect((badRole as ValidationError).issues.map((i) => i.field)).toEqual(['role']);
	});

	it('refuses statisticians every change and exports of rounds not yet unblinded', async () => {
		const { db } = database;
		await expect(
			users.create(db, statistician, {
				name: 'X',
				email: 'x@x.test',
				password: 'long-enough-pw',
				role: 'coordinator'
			})
		).rejects.toThrow(ForbiddenError);
		await expect(users.list(db, statistician)).rejects.toThrow(ForbiddenError);
		const { studyId } = await importStudy(db, CLI, loadStudy('studies/demo'));
		await expect(rounds.create(db, statistician, { studyId, name: 'Stats round' })).rejects.toThrow(
			ForbiddenError
		);
		const round = await rounds.create(db, first, {
			studyId,
			name: 'R1',
			checkpointNames: IMPORTED
		});
		await rounds.transition(db, first, round.id, 'open');
		await expect(rounds.transition(db, statistician, round.id, 'locked')).rejects.toThrow(
			ForbiddenError
		);
		await expect(exportStream(db, statistician, round.id, 'long')).rejects.toThrow(
			/not unblinded yet/
		);
		// the coordinator may export the blinded round; the statistician once it is unblinded
		await expect(exportStream(db, first, round.id, 'long')).resolves.toBeTruthy();
		await rounds.transition(db, first, round.id, 'locked');
		await optOutForTest(db, round.id, first);
		await rounds.transition(db, first, round.id, 'unblinded');
		const out = await exportStream(db, statistician, round.id, 'codebook');
		expect(out.filename).toContain('codebook');
	});

	it('slows one address down on one account, never the account at another address', async () => {
		let now = 0;
		const limiter = new LoginLimiter({ ...SIGN_IN_LIMITS, now: () => now });
		const { db } = database;
		const tryAs = (ip: string, email: string, password: string) =>
			attempt(db, { ip, email, password }, limiter);
		for (let i = 0; i < 5; i++)
			expect(await tryAs('10.0.0.1', first.email, 'wrong-password')).toEqual({ status: 'wrong' });
		// from that address even the right password must wait 15 s after the last failure
		expect(await tryAs('10.0.0.1', first.email, PASSWORD)).toEqual({
			status: 'limited',
			seconds: 15
		});
		// the owner at another address signs in at once
		expect((await tryAs('10.0.0.2', first.email, PASSWORD)).status).toBe('ok');
		// the attacker keeps going, as fast as the doubling delays allow, up to their 15-minute cap
		for (let i = 0; i < 6; i++) {
			const wait = limiter.retryAfter('10.0.0.1', first.email);
			expect(wait).toBe(15_000 * 2 ** i);
			now += wait;
			expect((await tryAs('10.0.0.1', first.email, 'wrong-password')).status).toBe('wrong');
		}
		expect(await tryAs('10.0.0.1', first.email, PASSWORD)).toEqual({
			status: 'limited',
			seconds: 15 * 60
		});
		expect(limitedMessage(15 * 60)).toBe('Too many failed sign-ins. Try again in 15 minutes.');
		expect(limitedMessage(1)).toBe('Too many failed sign-ins. Try again in 1 second.');
		expect(limitedMessage(15)).toBe('Too many failed sign-ins. Try again in 15 seconds.');
		// eleven failures later the owner still signs in from elsewhere, and their session works
		const ok = await tryAs('10.0.0.3', first.email, PASSWORD);
		expect(ok.status).toBe('ok');
		expect(await users.fromSession(db, (ok as { token: string }).token)).toMatchObject({
			id: first.id
		});
		// and from the attacker's address once the wait is over
		now += 15 * 60_000;
		expect((await tryAs('10.0.0.1', first.email, PASSWORD)).status).toBe('ok');
	});

	it('limits one address over all accounts, without touching other addresses', async () => {
		let now = 0;
		const limiter = new LoginLimiter({ ...SIGN_IN_LIMITS, now: () => now });
		const { db } = database;
		// 30 failures in 15 minutes from one address, over several accounts (known or not)
		for (let i = 0; i < 30; i++) {
			const email = i === 0 ? statistician.email : `nobody${i}@clinic.test`;
			expect((await attempt(db, { ip: '10.0.0.9', email, password: 'x' }, limiter)).status).toBe(
				'wrong'
			);
			now += 20_000;
		}
		// the address waits until its oldest failure is 15 minutes old, even for an account it
		// never tried; another address signs in at once
		const right = { email: first.email, password: PASSWORD };
		expect(await attempt(db, { ip: '10.0.0.9', ...right }, limiter)).toEqual({
			status: 'limited',
			seconds: 5 * 60
		});
		expect((await attempt(db, { ip: '10.0.0.8', ...right }, limiter)).status).toBe('ok');
		// an empty form is wrong, and not counted: it guesses nothing
		for (let i = 0; i < 10; i++)
			expect(await attempt(db, { ip: '10.0.0.7', email: '', password: '' }, limiter)).toEqual({
				status: 'wrong'
			});
		expect(limiter.retryAfter('10.0.0.7', '')).toBe(0);
		const stat = { email: statistician.email, password: 'statistician-pw' };
		expect((await attempt(db, { ip: '10.0.0.8', ...stat }, limiter)).status).toBe('ok');
	});
});
