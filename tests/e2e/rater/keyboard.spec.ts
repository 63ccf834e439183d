import { expect, test } from '@playwright/test';
import { readFixture } from '../fixture';
import { RatingPage } from './rating-page';

/**
 * Keyboard first: a rater scores a whole round with 1–4, the arrows, Tab and Enter only,
 * reloading midway without losing anything; the server then holds exactly those scores. And the
 * German interface, chosen from the browser's language, switchable and remembered.
 */
test('a rater scores a whole round with the keyboard only; a reload midway loses nothing', async ({
	browser
}) => {
	const fixture = readFixture();
	const context = await browser.newContext();
	const page = await context.newPage();
	const rater = new RatingPage(page);
	await page.goto(fixture.keyboardRater);
	await rater.arrived();
	await expect(page.getByTestId('keys-help')).toContainText('The number keys give the score');
	await page.screenshot({ path: test.info().outputPath('rating-1280.png') });
	await page.screenshot({ path: test.info().outputPath('rating-1280-full.png'), fullPage: true });

	const given = new Map<string, number>();
	const total = 6;
	for (let i = 0; i < total; i++) {
		const code = await rater.arrived();
		const dims = await rater.dimensions();
		expect(dims).toHaveLength(6);
		// The first dimension has focus on arrival (the first unscored one after a reload).
		await rater.expectFocus(dims[0]!);
		const press = async (d: number) => {
			const score = ((i + d) % 4) + 1;
			await page.keyboard.press(String(score));
			given.set(`${code}/${dims[d]}`, score);
		};

		if (i === 0) {
			// ↓/↑ and Tab/Shift-Tab move between dimensions; ←/→ do not leave the dimension.
			await page.keyboard.press('ArrowDown');
			await rater.expectFocus(dims[1]!);
			await page.keyboard.press('Tab');
			await rater.expectFocus(dims[2]!);
			await page.keyboard.press('Shift+Tab');
			await rater.expectFocus(dims[1]!);
			await page.keyboard.press('ArrowUp');
			await rater.expectFocus(dims[0]!);
			await page.keyboard.press('ArrowUp');
			await rater.expectFocus(dims[0]!);
			// Scoring the third dimension first: focus moves on to the next unscored one, wrapping.
			await page.keyboard.press('ArrowDown');
			await page.keyboard.press('ArrowDown');
			await press(2);
			await rater.expectFocus(dims[3]!);
			for (const d of [3, 4]) await press(d);
			await page.screenshot({ path: test.info().outputPath('rating-focus.png') });
			await press(5);
			await rater.expectFocus(dims[0]!);
			// Enter before every dimension is scored stays, and says why.
			await page.keyboard.press('Enter');
			await expect(page.locator('nav .hint')).toHaveText(
				'Please score every dimension to continue.'
			);
			expect(rater.code()).toBe(code);
			await press(0);
			await rater.expectFocus(dims[1]!);
			await press(1);
		} else if (i === 1) {
			// Typing in a comment (opened with C) never scores or navigates; Esc returns.
			await press(0);
			await page.keyboard.press('c');
			const box = page.getByTestId(`comment-${dims[1]}`);
			await expect(box).toBeFocused();
			await page.keyboard.type('1234 no shortcuts here');
			await page.keyboard.press('Enter');
			await expect(box).toHaveValue('1234 no shortcuts here\n');
			await page.keyboard.press('Escape');
			await rater.expectFocus(dims[1]!);
			expect(await rater.checked()).toEqual({ [dims[0]!]: given.get(`${code}/${dims[0]}`) });
			for (let d = 1; d < 6; d++) await press(d);
		} else if (i === 2) {
			// Midway: half scored, reload. Every score is shown again, focus on the first gap.
			for (let d = 0; d < 3; d++) await press(d);
			await rater.saved();
			await page.reload();
			await rater.arrived();
			await rater.expectFocus(dims[3]!);
			expect(await rater.checked()).toEqual(
				Object.fromEntries(dims.slice(0, 3).map((d) => [d, given.get(`${code}/${d}`)]))
			);
			// /rate resumes here too: this is the first unfinished letter.
			await page.goto('/rate');
			expect(await rater.arrived()).toBe(code);
			for (let d = 3; d < 6; d++) await press(d);
		} else {
			for (let d = 0; d < 6; d++) await press(d);
		}
		await expect(page.locator('nav .hint')).toHaveText(
			'Every dimension is scored: press Enter for the next letter.'
		);
		// The first two letters took a moment, so from the third on there is an estimate.
		if (i < 2) await page.waitForTimeout(1100);
		if (i >= 2) await expect(page.getByTestId('time-left')).toHaveText(/left$/);
		await page.keyboard.press('Enter');
		if (i < total - 1) await expect(page).not.toHaveURL(new RegExp(code));
	}
	await expect(page.getByTestId('all-done')).toBeVisible();
	await expect(page.getByTestId('progress')).toHaveText('Scored 6 of 6');
	await page.screenshot({ path: test.info().outputPath('overview.png') });
	await context.close();

	// The server has every score: a fresh browser (no local storage) shows exactly them.
	const fresh = await browser.newContext();
	const check = new RatingPage(await fresh.newPage());
	await check.page.goto(fixture.keyboardRater);
	await expect(check.page).toHaveURL(/\/rate$/);
	const codes = new Set([...given.keys()].map((k) => k.split('/')[0]!));
	expect(codes.size).toBe(total);
	const shown = new Map<string, number>();
	for (const code of codes) {
		await check.page.goto(`/rate/${code}`);
		await check.arrived();
		for (const [d, s] of Object.entries(await check.checked())) shown.set(`${code}/${d}`, s);
	}
	expect(shown).toEqual(given);
	await fresh.close();
});

test('German interface from the browser language, switchable and remembered', async ({
	browser
}) => {
	const fixture = readFixture();
	const context = await browser.newContext({ locale: 'de-DE' });
	const page = await context.newPage();
	const rater = new RatingPage(page);
	await page.goto(fixture.germanRater);
	await rater.arrived();
	await expect(page.locator('h1')).toHaveText('Brief 1 von 6');
	await expect(page.locator('html')).toHaveAttribute('lang', 'de');
	await expect(page.getByTestId('progress')).toHaveText('0 von 6 bewertet');
	await expect(page.getByRole('heading', { name: 'Fall' })).toBeVisible();
	await expect(page.getByText('Gesamtdosis (Gy)', { exact: true })).toBeVisible();
	await expect(page.getByText(/^(Photonen|Protonen)$/)).toBeVisible();
	await expect(page.getByTestId('keys-help')).toContainText(
		'Die Zifferntasten geben die Bewertung'
	);
	await expect(rater.next).toHaveText('Nächster Brief');
	await expect(page.getByTestId('lang-de')).toHaveAttribute('aria-pressed', 'true');
	await page.keyboard.press('3');
	await expect(rater.saveState).toHaveText('Alle Änderungen gespeichert');
	await page.screenshot({ path: test.info().outputPath('rating-de.png'), fullPage: true });

	// Switch to English: no reload, nothing typed is lost, and the choice is remembered.
	await page.getByTestId('comment-overall').fill('Entwurf');
	await page.getByTestId('lang-en').click();
	await expect(page.locator('h1')).toHaveText('Letter 1 of 6');
	await expect(page.locator('html')).toHaveAttribute('lang', 'en');
	await expect(page.getByText('Total dose (Gy)', { exact: true })).toBeVisible();
	await expect(page.getByTestId('comment-overall')).toHaveValue('Entwurf');
	expect((await context.cookies()).find((c) => c.name === 'be_lang')).toMatchObject({
		value: 'en',
		sameSite: 'Lax'
	});
	await rater.saved();
	await page.reload();
	await expect(page.locator('h1')).toHaveText('Letter 1 of 6');
	await expect(page.locator('html')).toHaveAttribute('lang', 'en');
	await page.getByTestId('lang-de').click();
	await expect(page.locator('h1')).toHaveText('Brief 1 von 6');
	await page.goto('/rate?overview');
	await expect(page.getByRole('heading', { name: 'Ihre Bewertungen' })).toBeVisible();
	// Errors a rater meets are German too: an unknown letter, and a refused save.
	const missing = await page.goto('/rate/ZZZZ-ZZZZ');
	expect(missing?.status()).toBe(404);
	await expect(page.locator('h1')).toHaveText('Nicht gefunden');
	await expect(page.locator('main')).toContainText('Dieser Brief wurde nicht gefunden');
	const bad = await page.request.put(`/api/rater/items/ZZZZ-ZZZZ/scores`, {
		data: { dimension: 'diagnosis', score: 3 }
	});
	expect(bad.status()).toBe(404);
	expect((await bad.json()).message).toBe(
		'Dieser Brief wurde nicht gefunden. Bitte kehren Sie zu Ihrer Übersicht zurück.'
	);
	await context.close();
});

test('a locked round is read-only and says so, in German', async ({ browser }) => {
	const fixture = readFixture();
	const context = await browser.newContext({ locale: 'de-DE' });
	const page = await context.newPage();
	await page.goto(fixture.lockedRater);
	const rater = new RatingPage(page);
	const code = await rater.arrived();
	await expect(page.getByRole('status').filter({ hasText: 'gesperrt' })).toHaveText(
		'Diese Runde ist gesperrt: Ihre Bewertungen werden schreibgeschützt angezeigt.'
	);
	await expect(page.locator('fieldset.scale input').first()).toBeDisabled();
	expect(await rater.checked()).toEqual({ diagnosis: 2 });
	await expect(page.getByTestId('comment-overall')).toHaveValue('Written before the lock.');
	await expect(page.getByTestId('comment-overall')).toHaveAttribute('readonly', '');
	await page.keyboard.press('4');
	expect(await rater.checked()).toEqual({ diagnosis: 2 });
	await page.screenshot({ path: test.info().outputPath('locked-de.png') });
	const refused = await page.request.put(`/api/rater/items/${code}/comments`, {
		data: { dimension: '', body: 'late' },
		headers: { 'accept-language': 'de-DE' }
	});
	expect(refused.status()).toBe(409);
	expect((await refused.json()).message).toBe(
		'Diese Runde ist gesperrt: Änderungen können nicht mehr gespeichert werden.'
	);
	await context.close();
});

test('the rating page fits a tablet (768 px) and is usable by touch', async ({ browser }) => {
	const fixture = readFixture();
	const context = await browser.newContext({
		viewport: { width: 768, height: 1024 },
		hasTouch: true,
		isMobile: true
	});
	const page = await context.newPage();
	const rater = new RatingPage(page);
	await page.goto(fixture.germanRater);
	const code = await rater.arrived();
	// Nothing wider than the screen.
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768);
	const dims = await rater.dimensions();
	await rater.scales.nth(1).locator('label').nth(1).tap();
	expect(await rater.checked()).toMatchObject({ [dims[1]!]: 2 });
	await rater.saved();
	await page.screenshot({ path: test.info().outputPath('rating-768.png'), fullPage: true });
	expect(rater.code()).toBe(code);
	await context.close();
});
