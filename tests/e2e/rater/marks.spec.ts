import { expect, test, type Page } from '@playwright/test';
import type { Mark } from '../../../src/lib/domain/marks';
import { moveSelection, selectedPassage } from '../../../src/lib/rater/mark-text';
import { readFixture } from '../fixture';
import { RatingPage } from './rating-page';

/**
 * Error marks on the rating page (issue 17): a rater marks one passage by mouse and one by
 * keyboard and adds an omission, each with harm grades; after a reload, at another screen width,
 * the same passages are highlighted and listed, and the server holds exactly those marks. Marks
 * made offline are kept and sent by the next page; edits and deletions are saved too.
 */

/** The letter exactly as the page shows it: the text of its pieces, in order. */
const letterText = (page: Page) => page.getByTestId('letter').evaluate((el) => el.textContent!);

/** Drags the mouse over letter characters [start, end), as a rater selects a passage. */
async function dragSelect(page: Page, start: number, end: number) {
	const [from, to] = await page.getByTestId('letter').evaluate(
		(el, [s, e]) => {
			const at = (offset: number) => {
				for (const span of el.querySelectorAll<HTMLElement>('[data-start]')) {
					const base = Number(span.dataset.start);
					const node = span.firstChild!;
					if (offset >= base && offset < base + node.textContent!.length) {
						const r = document.createRange();
						r.setStart(node, offset - base);
						r.setEnd(node, offset - base + 1);
						return r.getBoundingClientRect();
					}
				}
				throw new Error(`no character at ${offset}`);
			};
			const a = at(s!);
			const b = at(e! - 1);
			return [
				{ x: a.left + 1, y: a.top + a.height / 2 },
				{ x: b.right - 1, y: b.top + b.height / 2 }
			];
		},
		[start, end]
	);
	await page.mouse.move(from!.x, from!.y);
	await page.mouse.down();
	await page.mouse.move(to!.x, to!.y, { steps: 5 });
	await page.mouse.up();
}

/** The text highlighted as marked between two offsets. */
function highlighted(page: Page, start: number, end: number) {
	return page.getByTestId('letter').evaluate(
		(el, [s, e]) =>
			[...el.querySelectorAll<HTMLElement>('span.saved')]
				.filter((x) => Number(x.dataset.start) >= s! && Number(x.dataset.start) < e!)
				.map((x) => x.textContent)
				.join(''),
		[start, end]
	);
}

async function serverMarks(page: Page, code: string): Promise<Mark[]> {
	const response = await page.request.get(`/api/rater/items/${code}/marks`);
	expect(response.status()).toBe(200);
	return ((await response.json()) as { marks: Mark[] }).marks;
}

test('a rater marks two errors and an omission with harm grades; a reload at another width shows them', async ({
	browser
}) => {
	const fixture = readFixture();
	const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
	const page = await context.newPage();
	const rater = new RatingPage(page);
	await page.goto(fixture.marksRater);
	const code = await rater.arrived();
	const letter = await letterText(page);
	const marks = page.getByTestId('marks');
	await expect(page.getByTestId('marks-none')).toBeVisible();

	// 1. By mouse: a passage of the third line or later (away from the heading).
	const line = letter.split('\n').filter((l) => l.length > 40)[1]!;
	const start1 = letter.indexOf(line) + 4;
	const end1 = start1 + 22;
	await dragSelect(page, start1, end1);
	await marks.getByTestId('mark-selection').click();
	const form = page.getByTestId('mark-form');
	await expect(form).toContainText(letter.slice(start1, end1));
	await expect(form.getByTestId('mark-category')).toBeFocused();
	await form.getByTestId('mark-category').selectOption('wrong_dose');
	await form.getByTestId('mark-harm-extent').selectOption('2');
	await form.getByTestId('mark-harm-likelihood').selectOption('3');
	await form.getByTestId('mark-note').fill('Dose differs from the plan.');
	await form.getByTestId('mark-save').click();
	await expect(form).toHaveCount(0);

	// 2. By keyboard, from where the first passage ended: one character on, then two words.
	await expect(rater.letter).toBeFocused();
	const keys = [
		{ key: 'ArrowRight', shiftKey: false, ctrlKey: false, altKey: false },
		{ key: 'ArrowRight', shiftKey: true, ctrlKey: true, altKey: false },
		{ key: 'ArrowRight', shiftKey: true, ctrlKey: true, altKey: false }
	];
	let sel = { anchor: end1, focus: end1 };
	for (const k of keys) {
		sel = moveSelection(letter, sel, k)!;
		await page.keyboard.press(
			`${k.shiftKey ? 'Shift+' : ''}${k.ctrlKey ? 'Control+' : ''}${k.key}`
		);
	}
	const second = selectedPassage(letter, sel)!;
	await page.keyboard.press('m');
	await expect(form).toContainText(second.quote.trim());
	await form.getByTestId('mark-category').selectOption('fabricated');
	await form.getByTestId('mark-harm-extent').selectOption('3');
	await form.getByTestId('mark-note').press('Enter'); // Enter in the note saves
	await expect(form).toHaveCount(0);

	// 3. An omission: a field of the case source the letter leaves out.
	await marks.getByTestId('mark-omission').click();
	await form.getByTestId('mark-field').selectOption('radiotherapy.end_date');
	await form.getByTestId('mark-category').selectOption('wrong_dose');
	await form.getByTestId('mark-harm-extent').selectOption('1');
	await form.getByTestId('mark-harm-likelihood').selectOption('1');
	await form.getByTestId('mark-save').click();
	await expect(page.getByTestId('marks-status')).toHaveText('Marks saved');
	await page.screenshot({ path: test.info().outputPath('marks-1920.png') });

	const expected = [
		{ kind: 'span', start: start1, end: end1, quote: letter.slice(start1, end1) },
		{ kind: 'span', ...second },
		{ kind: 'omission', field: 'radiotherapy.end_date' }
	];
	const check = async () => {
		await rater.arrived();
		await expect(page.getByTestId('mark-item')).toHaveCount(3);
		expect(await letterText(page)).toBe(letter);
		for (const m of expected.slice(0, 2))
			expect(await highlighted(page, m.start!, m.end!)).toBe(m.quote);
		await expect(page.getByTestId('mark-item').nth(2)).toContainText('End date');
	};
	// Reloaded at another width: the same passages are highlighted and listed.
	await page.setViewportSize({ width: 1024, height: 768 });
	await page.reload();
	await check();
	await page.screenshot({ path: test.info().outputPath('marks-1024.png') });
	const held = await serverMarks(page, code);
	expect(
		held.map(({ kind, start, end, quote, field }) => ({ kind, start, end, quote, field }))
	).toEqual(expected.map((e) => ({ start: null, end: null, quote: null, field: null, ...e })));
	expect(held.map((m) => [m.category, m.harmExtent, m.harmLikelihood])).toEqual([
		['wrong_dose', 2, 3],
		['fabricated', 3, null],
		['wrong_dose', 1, 1]
	]);
	await page.setViewportSize({ width: 1920, height: 1080 });
	await page.reload();
	await check();
	await context.close();
});

test("a rater's marks are invisible and unwritable for another rater of the same letter", async ({
	playwright,
	baseURL
}) => {
	const fixture = readFixture();
	const open = async (link: string) => {
		const ctx = await playwright.request.newContext({ baseURL });
		expect((await ctx.get(link, { maxRedirects: 0 })).status()).toBe(303);
		return ctx;
	};
	const a = await open(fixture.marksRater);
	const b = await open(fixture.marksOtherRater);
	const code = /\/rate\/([0-9A-Z-]+)/.exec(
		(await a.get('/rate', { maxRedirects: 0 })).headers()['location']!
	)![1]!;
	const url = `/api/rater/items/${code}/marks`;
	const mark = { kind: 'omission', field: 'notes', category: 'other', harmExtent: 2 };
	const id = '2b000000-0000-4000-8000-000000000001';
	expect((await a.post(url, { data: { id, ...mark } })).status()).toBe(200);
	const mine = ((await (await a.get(url)).json()) as { marks: Mark[] }).marks;
	expect(mine.map((m) => m.id)).toContain(id);
	// B rates the same letter under the same code, yet sees none of A's marks ...
	expect(await (await b.get(url)).json()).toEqual({ marks: [] });
	// ... cannot change them (not found) nor delete them (nothing of B's to delete) ...
	expect((await b.put(`${url}/${id}`, { data: { ...mark, harmExtent: 3 } })).status()).toBe(404);
	expect(await (await b.delete(`${url}/${id}`, { data: {} })).json()).toMatchObject({
		changed: false
	});
	// ... and A's marks are exactly as they were.
	expect(((await (await a.get(url)).json()) as { marks: Mark[] }).marks).toEqual(mine);
	expect((await a.delete(`${url}/${id}`, { data: {} })).status()).toBe(200);
	await a.dispose();
	await b.dispose();
});

test('marks made offline arrive from the next page; edits and deletions are saved', async ({
	browser
}) => {
	const fixture = readFixture();
	const context = await browser.newContext();
	let page = await context.newPage();
	await page.goto(fixture.marksRater);
	const code = await new RatingPage(page).arrived();
	const before = (await serverMarks(page, code)).length;
	await context.setOffline(true);
	await page.waitForFunction(() => !navigator.onLine);
	await page.getByTestId('mark-omission').click();
	const form = page.getByTestId('mark-form');
	await form.getByTestId('mark-field').selectOption('tnm');
	await form.getByTestId('mark-category').selectOption('wrong_diagnosis');
	await form.getByTestId('mark-save').click();
	await expect(page.getByTestId('marks-status')).toContainText('Offline');
	await page.close();
	await context.setOffline(false);
	page = await context.newPage();
	await page.goto(`/rate/${code}`);
	await expect(page.getByTestId('mark-item')).toHaveCount(before + 1);
	await expect(page.getByTestId('marks-status')).toHaveText('Marks saved');
	expect((await serverMarks(page, code)).map((m) => m.field)).toContain('tnm');

	// Edit the omission's grade, delete it again: both reach the server.
	const item = page.getByTestId('mark-item').filter({ hasText: 'TNM' });
	await item.getByRole('button', { name: 'Edit' }).click();
	await page.getByTestId('mark-harm-extent').selectOption('2');
	await page.getByTestId('mark-save').click();
	await expect(page.getByTestId('marks-status')).toHaveText('Marks saved');
	await expect
		.poll(async () => (await serverMarks(page, code)).find((m) => m.field === 'tnm')?.harmExtent)
		.toBe(2);
	await item.getByRole('button', { name: 'Delete' }).click();
	await expect(page.getByTestId('mark-item')).toHaveCount(before);
	await expect
		.poll(async () => (await serverMarks(page, code)).some((m) => m.field === 'tnm'))
		.toBe(false);
	await page.reload();
	await expect(page.getByTestId('mark-item')).toHaveCount(before);
	await context.close();
});
