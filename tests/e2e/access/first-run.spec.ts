/**
 * First run on an empty database: set-up → sign in → add a statistician → the statistician
 * reads but cannot change anything → sign out. On a server of its own (set-up needs no account
 * to exist). The sign-in limit and redirects: sign-in.spec.ts.
 */
import { expect, test, type Page } from '@playwright/test';
import { startOwnServer, type OwnServer } from './own-server';

let server: OwnServer;
const COORDINATOR = {
	name: 'Dr First',
	email: 'first@clinic.test',
	password: 'first-run-password'
};
const STATISTICIAN = {
	name: 'Stat Istician',
	email: 'stat@clinic.test',
	password: 'stat-password-1'
};

test.beforeAll(async () => {
	test.setTimeout(180_000);
	server = await startOwnServer();
});
test.afterAll(async () => {
	await server?.stop();
});

async function signIn(page: Page, user: { email: string; password: string }) {
	await page.goto(`${server.url}/login`);
	await page.getByLabel('Email').fill(user.email);
	await page.getByLabel('Password').fill(user.password);
	await page.getByRole('button', { name: 'Sign in' }).click();
}

test('first-run set-up, accounts and a read-only statistician', async ({ page }) => {
	await page.goto(`${server.url}/login`);
	await page.getByRole('link', { name: 'Set up blindeval' }).click();
	await expect(page.getByRole('heading', { name: 'Set up blindeval' })).toBeVisible();
	await page.getByLabel('Name').fill(COORDINATOR.name);
	await page.getByLabel('Email').fill(COORDINATOR.email);
	await page.getByLabel('Password', { exact: true }).fill(COORDINATOR.password);
	await page.getByLabel('Confirm password').fill('something-different');
	await page.getByRole('button', { name: 'Create coordinator' }).click();
	await expect(page.getByRole('alert')).toHaveText('field confirm: does not match the password');
	await page.getByLabel('Password', { exact: true }).fill(COORDINATOR.password);
	await page.getByLabel('Confirm password').fill(COORDINATOR.password);
	await page.getByRole('button', { name: 'Create coordinator' }).click();
	await expect(page.getByRole('status')).toHaveText('Your account is ready: sign in.');

	// set-up is gone: no link, and the page sends to sign-in
	await expect(page.getByRole('link', { name: 'Set up blindeval' })).toHaveCount(0);
	await page.goto(`${server.url}/setup`);
	await expect(page).toHaveURL(/\/login$/);

	await signIn(page, COORDINATOR);
	await expect(page).toHaveURL(/\/studies$/);
	await expect(page.getByTestId('signed-in-as')).toHaveText('Dr First (coordinator)');
	await page.getByRole('link', { name: 'Accounts' }).click();
	await page.getByLabel('Name').fill(STATISTICIAN.name);
	await page.getByLabel('Email').fill(STATISTICIAN.email);
	await page.getByLabel('Role').selectOption('statistician');
	await page.getByLabel('Initial password').fill(STATISTICIAN.password);
	await page.getByRole('button', { name: 'Add account' }).click();
	await expect(page.getByRole('status')).toContainText(
		`Added ${STATISTICIAN.email} as statistician`
	);
	await expect(page.getByRole('row', { name: /stat@clinic\.test/ })).toContainText('statistician');
	await page.getByRole('button', { name: 'Sign out' }).click();
	await expect(page).toHaveURL(/\/login$/);

	await signIn(page, STATISTICIAN);
	await expect(page).toHaveURL(/\/studies$/);
	await expect(page.getByTestId('signed-in-as')).toHaveText('Stat Istician (statistician)');
	await expect(page.getByRole('link', { name: 'Accounts' })).toHaveCount(0);
	const accounts = await page.goto(`${server.url}/users`);
	expect(accounts!.status()).toBe(403);
	await expect(page.getByText('This page is for coordinators.')).toBeVisible();
	// a change sent by hand (as a form would) is refused too
	const post = await page.request.post(`${server.url}/users?/create`, {
		form: {
			name: 'Sneaky',
			email: 'sneaky@clinic.test',
			role: 'coordinator',
			password: 'x'.repeat(12)
		},
		headers: { origin: server.url, accept: 'application/json' }
	});
	expect(post.status()).toBe(403);
	expect(await post.json()).toEqual({
		type: 'error',
		error: {
			message:
				'Statisticians can read studies, rounds, analyses and exports, but not change anything.'
		}
	});
	await page.goto(`${server.url}/studies`);
	await page.getByRole('button', { name: 'Sign out' }).click();
	await expect(page).toHaveURL(/\/login$/);
	await page.goto(`${server.url}/studies`);
	await expect(page).toHaveURL(/\/login\?next=%2Fstudies$/);
});
