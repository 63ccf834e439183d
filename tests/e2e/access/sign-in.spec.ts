/**
 * Sign-in against a server configured as behind a reverse proxy (ADDRESS_HEADER=X-Forwarded-For,
 * XFF_DEPTH=1, docs/security.md): each browser context plays a client at its own address by
 * sending the header the proxy would add. Checks that
 * - wrong passwords from one address slow that address down on that account, with a clear
 *   message, while the account's owner signs in from another address at once;
 * - `next` sends back only to a path of the app: every open-redirect payload of the security
 *   review lands on the default page.
 * On a server of its own: the limit counts per address and the accounts are its own.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { startOwnServer, type OwnServer } from './own-server';

let server: OwnServer;
const COORDINATOR = { name: 'Dr Limit', email: 'limit@clinic.test', password: 'limit-password-1' };
// Each refusal checks a scrypt hash (memory-hard on purpose): slow on a busy 2-core machine.
const slow = { timeout: 20_000 };

test.beforeAll(async ({ browser }) => {
	test.setTimeout(180_000);
	server = await startOwnServer(undefined, {
		env: { ADDRESS_HEADER: 'X-Forwarded-For', XFF_DEPTH: '1' }
	});
	const page = await clientAt(browser, '192.0.2.1');
	// Filled only once the page has hydrated: hydration resets a field typed into before it.
	await page.goto(`${server.url}/setup`, { waitUntil: 'networkidle' });
	await page.getByLabel('Name').fill(COORDINATOR.name);
	await page.getByLabel('Email').fill(COORDINATOR.email);
	await page.getByLabel('Password', { exact: true }).fill(COORDINATOR.password);
	await page.getByLabel('Confirm password').fill(COORDINATOR.password);
	await page.getByRole('button', { name: 'Create coordinator' }).click();
	await expect(page.getByRole('status')).toHaveText('Your account is ready: sign in.');
	await page.context().close();
});
test.afterAll(async () => {
	await server?.stop();
});

/** A fresh browser whose requests come, as far as the server can tell, from `address`. */
async function clientAt(browser: Browser, address: string): Promise<Page> {
	const context = await browser.newContext({ extraHTTPHeaders: { 'x-forwarded-for': address } });
	return context.newPage();
}

async function signIn(page: Page, password: string, path = '/login') {
	// As in the set-up above: a click before hydration can be lost on a busy machine.
	await page.goto(`${server.url}${path}`, { waitUntil: 'networkidle' });
	await page.getByLabel('Email').fill(COORDINATOR.email);
	await page.getByLabel('Password').fill(password);
	await page.getByRole('button', { name: 'Sign in' }).click();
}

test('wrong passwords from one address do not lock the account out elsewhere', async ({
	browser
}) => {
	const attacker = await clientAt(browser, '203.0.113.66');
	for (let i = 0; i < 5; i++) {
		await signIn(attacker, `wrong-${i}`);
		await expect(attacker.getByRole('alert')).toHaveText('Email or password is wrong.', slow);
	}
	// from that address even the right password now waits (15 s after the last failure)
	await signIn(attacker, COORDINATOR.password);
	await expect(attacker.getByRole('alert')).toHaveText(
		/^Too many failed sign-ins\. Try again in \d+ seconds?\.$/,
		slow
	);
	await expect(attacker).toHaveURL(/\/login$/);

	// the coordinator, at another address, signs in at once
	const owner = await clientAt(browser, '198.51.100.7');
	await signIn(owner, COORDINATOR.password);
	await expect(owner).toHaveURL(`${server.url}/studies`, slow);
	await expect(owner.getByTestId('signed-in-as')).toHaveText('Dr Limit (coordinator)');
	await attacker.context().close();
	await owner.context().close();
});

/** `next` values as they stand in the address bar: the review's payloads and their relatives. */
const FOREIGN_NEXT = [
	'/%5Cevil.example/phish',
	'/%5C%5Cevil.example/phish',
	'/%09/evil.example',
	'/%0A/evil.example',
	'//evil.example',
	'%2F%2Fevil.example',
	'/\\evil.example',
	'https://evil.example/phish',
	'https%3A%2F%2Fevil.example',
	'/%255Cevil.example/phish',
	'/%2509/evil.example'
];

test('after sign-in, a next that leaves the app lands on the studies page', async ({ browser }) => {
	const page = await clientAt(browser, '192.0.2.10');
	// in the browser, as a phishing link would be followed
	for (const next of FOREIGN_NEXT.slice(0, 3)) {
		await signIn(page, COORDINATOR.password, `/login?next=${next}`);
		await expect(page).toHaveURL(`${server.url}/studies`, slow);
		await page.getByRole('button', { name: 'Sign out' }).click();
		await expect(page).toHaveURL(/\/login$/);
	}
	// every payload, by the redirect the form answers with
	const form = { email: COORDINATOR.email, password: COORDINATOR.password };
	for (const next of FOREIGN_NEXT) {
		const response = await page.request.post(`${server.url}/login?next=${next}`, {
			form,
			// as a browser's own form post (without it SvelteKit answers in JSON, for enhance)
			headers: { origin: server.url, accept: 'text/html' },
			maxRedirects: 0
		});
		expect(response.status(), next).toBe(303);
		expect(response.headers()['location'], next).toBe('/studies');
	}
	// a path of the app is kept
	await signIn(page, COORDINATOR.password, `/login?next=${encodeURIComponent('/users')}`);
	await expect(page).toHaveURL(`${server.url}/users`, slow);
	await page.context().close();
});
