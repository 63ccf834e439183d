import { expect, test, type Response } from '@playwright/test';
import { readFixture } from '../fixture';
import { RatingPage } from './rating-page';

/**
 * Nothing is lost: scores given while the network is down are kept in the browser and arrive
 * once it returns, also after the tab was closed; each arrives exactly once. Comments and a
 * corrected letter are saved as they are typed.
 */
test('scores given offline arrive when the network returns, exactly once', async ({ browser }) => {
	const fixture = readFixture();
	const context = await browser.newContext();
	// Every score save the server answered, with whether it changed anything.
	const answers: Promise<{ key: string; changed: boolean }>[] = [];
	const watch = (response: Response) => {
		const request = response.request();
		if (request.method() !== 'PUT' || !response.url().endsWith('/scores') || !response.ok()) return;
		const code = new URL(response.url()).pathname.split('/')[4];
		const { dimension } = request.postDataJSON() as { dimension: string };
		answers.push(
			response.json().then((b: { changed: boolean }) => ({
				key: `${code}/${dimension}`,
				changed: b.changed
			}))
		);
	};
	context.on('response', watch);
	let page = await context.newPage();
	let rater = new RatingPage(page);
	await page.goto(fixture.offlineRater);
	const first = await rater.arrived();
	const dims = await rater.dimensions();
	const given = new Map<string, number>();
	/** How often each score was set to a new value: what the server must have changed. */
	const changes = new Map<string, number>();
	const score = async (code: string, d: number, value: number) => {
		await rater.scales
			.nth(d)
			.locator('label')
			.nth(value - 1)
			.click();
		const key = `${code}/${dims[d]}`;
		if (given.get(key) !== value) changes.set(key, (changes.get(key) ?? 0) + 1);
		given.set(key, value);
	};

	// Online for the first half, then the network drops while scoring.
	for (let d = 0; d < 3; d++) await score(first, d, d + 1);
	await rater.saved();
	await context.setOffline(true);
	// The emulation is on before the next click: a save already on its way could otherwise reach
	// the server while the browser reports it failed (the server has it; the test would not see it).
	await page.waitForFunction(() => !navigator.onLine);
	for (let d = 3; d < 6; d++) await score(first, d, 4);
	await score(first, 0, 3); // changed while offline: the newest value wins
	await expect(rater.saveState).toHaveAttribute('data-state', 'offline');
	await expect(rater.saveState).toContainText('Offline');
	expect(await rater.pendingInStorage()).toBeGreaterThan(0);
	await page.screenshot({ path: test.info().outputPath('offline.png') });
	await context.setOffline(false);
	await rater.saved();
	expect(await rater.pendingInStorage()).toBe(0);
	await rater.next.click();
	await expect(page).not.toHaveURL(new RegExp(first));
	const second = await rater.arrived();

	// Offline again, and the tab is closed before the network returns: kept in storage,
	// sent by the next page this browser opens.
	await context.setOffline(true);
	// The emulation is on before the next click: a save already on its way could otherwise reach
	// the server while the browser reports it failed (the server has it; the test would not see it).
	await page.waitForFunction(() => !navigator.onLine);
	for (let d = 0; d < 6; d++) await score(second, d, ((d + 1) % 4) + 1);
	await expect(rater.saveState).toHaveAttribute('data-state', 'offline');
	expect(await rater.pendingInStorage()).toBe(6);
	await page.close();
	await context.setOffline(false);
	page = await context.newPage();
	rater = new RatingPage(page);
	await page.goto('/rate');
	// The server has none of them yet, so this browser resumes at the second letter, showing
	// the kept scores, and sends them.
	expect(await rater.arrived()).toBe(second);
	await rater.saved();
	expect(await rater.pendingInStorage()).toBe(0);
	expect(await rater.checked()).toEqual(
		Object.fromEntries(dims.map((d) => [d, given.get(`${second}/${d}`)]))
	);
	await context.close();

	// Exactly once: the server changed each score once per new value, never more.
	const changedByServer = new Map<string, number>();
	for (const a of await Promise.all(answers))
		if (a.changed) changedByServer.set(a.key, (changedByServer.get(a.key) ?? 0) + 1);
	expect(changedByServer).toEqual(changes);

	// And it holds exactly the last values: a fresh browser (no local storage) shows them.
	const fresh = await browser.newContext();
	const check = new RatingPage(await fresh.newPage());
	await check.page.goto(fixture.offlineRater);
	expect(await check.arrived()).not.toBe(first);
	const shown = new Map<string, number>();
	for (const code of [first, second]) {
		await check.page.goto(`/rate/${code}`);
		await check.arrived();
		for (const [d, s] of Object.entries(await check.checked())) shown.set(`${code}/${d}`, s);
	}
	expect(shown).toEqual(given);
	await expect(check.page.getByTestId('progress')).toHaveText('Scored 2 of 6');
	await fresh.close();
});

test('comments and a corrected letter are saved as they are typed', async ({ browser }) => {
	const fixture = readFixture();
	const context = await browser.newContext();
	const page = await context.newPage();
	const rater = new RatingPage(page);
	await page.goto(fixture.extrasRater);
	const code = await rater.arrived();
	const letter = (await rater.letter.textContent())!;

	// A dimension's comment is collapsed until asked for.
	await expect(page.getByTestId('comment-diagnosis')).toHaveCount(0);
	await page.getByTestId('comment-diagnosis-toggle').click();
	await page.getByTestId('comment-diagnosis').fill('ICD-10 code missing');
	await page.getByTestId('comment-overall').fill('Clear, but too long.');
	// The corrected letter starts as the letter.
	await page.getByTestId('correction-open').click();
	const editor = page.getByTestId('correction');
	await expect(editor).toHaveValue(letter);
	await editor.press('ControlOrMeta+End');
	await editor.pressSequentially('\nWith kind regards');
	const corrected = `${letter}\nWith kind regards`;
	await expect(editor).toHaveValue(corrected);
	// Typing in text fields scores nothing.
	expect(await rater.checked()).toEqual({});
	await rater.saved();
	await page.screenshot({ path: test.info().outputPath('comments.png'), fullPage: true });

	// Visible time is reported every 15 s while the letter is open.
	const report = await page.waitForResponse((r) => r.url().endsWith(`/${code}/time`), {
		timeout: 20_000
	});
	expect(((await report.json()) as { secondsOnItem: number }).secondsOnItem).toBeGreaterThan(10);
	// Leaving the page (pagehide) reports the rest with a beacon, as text/plain. Dispatched here:
	// Playwright does not see the requests of a page that is really unloading (checked by hand).
	await page.waitForTimeout(1500);
	const beacon = page.waitForRequest(
		(r) => r.method() === 'POST' && r.url().endsWith(`/${code}/time`)
	);
	await page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pagehide')));
	const sent = await beacon;
	expect(sent.headers()['content-type']).toContain('text/plain');
	expect(sent.postDataJSON()).toEqual({ seconds: expect.any(Number), rater: expect.any(String) });
	expect((await sent.response())?.status()).toBe(200);
	await page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pageshow')));

	// All of it is on the server: a fresh browser (no local storage) shows it.
	const fresh = await browser.newContext();
	const other = await fresh.newPage();
	await other.goto(fixture.extrasRater);
	await new RatingPage(other).arrived();
	expect(new URL(other.url()).pathname).toBe(`/rate/${code}`);
	await expect(other.getByTestId('comment-diagnosis')).toHaveValue('ICD-10 code missing');
	await expect(other.getByTestId('comment-overall')).toHaveValue('Clear, but too long.');
	await expect(other.getByTestId('correction')).toHaveValue(corrected);

	// Reset to the original letter: no correction any more.
	await page.getByTestId('correction-reset').click();
	await expect(editor).toHaveValue(letter);
	await rater.saved();
	await other.reload();
	await expect(other.getByTestId('correction-open')).toBeVisible();
	await expect(other.getByTestId('comment-diagnosis')).toHaveValue('ICD-10 code missing');
	// Emptying a comment deletes it.
	await page.getByTestId('comment-diagnosis').fill('');
	await rater.saved();
	await other.reload();
	await expect(other.getByTestId('comment-diagnosis')).toHaveCount(0);
	await fresh.close();

	await context.close();
});

test('on a shared browser, unsent changes stay with the rater who made them', async ({
	browser
}) => {
	const fixture = readFixture();
	const context = await browser.newContext();
	// Rater A scores while offline; meanwhile rater B opens their link in the same browser.
	const pageA = await context.newPage();
	const a = new RatingPage(pageA);
	await pageA.goto(fixture.sharedRaterA);
	const code = await a.arrived();
	const [first] = await a.dimensions();
	await context.setOffline(true);
	// The emulation is on before the next click: a save already on its way could otherwise reach
	// the server while the browser reports it failed (the server has it; the test would not see it).
	await pageA.waitForFunction(() => !navigator.onLine);
	await a.scales.first().locator('label').nth(3).click();
	await expect(a.saveState).toHaveAttribute('data-state', 'offline');
	// What B's link does to the browser (it cannot be opened while offline).
	const [raterCookie] = (await context.cookies()).filter((c) => c.name === 'be_rater');
	await context.addCookies([
		{ ...raterCookie!, value: fixture.sharedRaterB.split('/').pop()!, expires: -1 }
	]);
	await context.setOffline(false);
	// A's page, still open, now holds B's cookie: its change is refused, not saved as B's.
	await expect(a.saveState).toHaveAttribute('data-state', 'error');
	await expect(a.saveState).toContainText('another rater’s link');
	expect(await a.pendingInStorage()).toBe(1);
	const pageB = await context.newPage();
	const b = new RatingPage(pageB);
	await pageB.goto(fixture.sharedRaterB);
	await b.arrived();
	// B's page neither shows nor sends A's change (same item codes: the round is fully crossed).
	await pageB.goto(`/rate/${code}`);
	await b.arrived();
	expect(await b.checked()).toEqual({});
	await pageB.waitForTimeout(500);
	await expect(b.saveState).toHaveAttribute('data-state', 'idle');
	expect(await b.pendingInStorage()).toBe(1);
	await pageB.close();
	// A opens their own link again: the kept change goes out, as A's.
	await pageA.goto(fixture.sharedRaterA);
	expect(await a.arrived()).toBe(code);
	await a.saved();
	expect(await a.checked()).toEqual({ [first!]: 4 });
	expect(await a.pendingInStorage()).toBe(0);
	await context.close();

	const fresh = await browser.newContext();
	const checkB = new RatingPage(await fresh.newPage());
	await checkB.page.goto(fixture.sharedRaterB);
	await checkB.page.goto(`/rate/${code}`);
	await checkB.arrived();
	expect(await checkB.checked()).toEqual({});
	await fresh.close();
});
