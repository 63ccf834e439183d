import { expect, test } from '@playwright/test';
import { readFixture } from '../fixture';
import { CoordinatorPages } from '../pages/coordinator';

/**
 * A rater scores every item of a small round through their link, reloading midway; the
 * coordinator locks, unblinds and downloads the CSV, which holds exactly those scores. Every
 * response the rater's browser receives is searched for checkpoint identities (blinding).
 */
test('a rater scores a whole round; the export holds exactly those scores', async ({ browser }) => {
	const fixture = readFixture();
	const raterContext = await browser.newContext();
	const page = await raterContext.newPage();
	const leaks: string[] = [];
	let inspected = 0;
	// Every response the rater's browser receives passes through here and is searched in full.
	await raterContext.route('**/*', async (route) => {
		const response = await route.fetch({ maxRedirects: 0 });
		const haystack = `${route.request().url()}\n${JSON.stringify(response.headers())}\n${(await response.body()).toString('utf8')}`;
		for (const s of fixture.checkpointSecrets)
			if (haystack.includes(s)) leaks.push(`${route.request().url()} contains "${s}"`);
		inspected++;
		await route.fulfill({ response });
	});

	await page.goto(fixture.raterA);
	await expect(page).toHaveURL(/\/rate\/[0-9A-Z]{4}-[0-9A-Z]{4}$/);
	const total = Number(
		(await page.getByTestId('progress').first().textContent())!.match(/of (\d+)/)![1]
	);
	expect(total).toBe(6);

	const given = new Map<string, number>();
	for (let i = 0; i < total; i++) {
		const code = page.url().split('/').pop()!;
		await expect(page.getByTestId('letter')).not.toBeEmpty();
		const scales = page.locator('fieldset.scale');
		const n = await scales.count();
		expect(n).toBe(6);
		for (let d = 0; d < n; d++) {
			const scale = scales.nth(d);
			const dimension = (await scale.getAttribute('data-dimension'))!;
			const score = ((i + d) % 4) + 1;
			await scale
				.locator('label')
				.nth(score - 1)
				.click();
			given.set(`${code}/${dimension}`, score);
		}
		await expect(page.getByTestId('save-state')).toHaveAttribute('data-state', 'saved');
		if (i === 2) {
			// Midway: reload resumes with every given score shown, and /rate resumes at the next item.
			await page.reload();
			for (let d = 0; d < n; d++)
				await expect(scales.nth(d).locator('input:checked')).toHaveCount(1);
			await page.goto('/rate');
			await expect(page).not.toHaveURL(new RegExp(code));
			continue;
		}
		await page.getByTestId('next').click();
		if (i < total - 1) await expect(page).not.toHaveURL(new RegExp(code));
	}
	await expect(page.getByTestId('all-done')).toBeVisible();
	await expect(page.getByTestId('progress')).toHaveText('Scored 6 of 6');
	expect(inspected).toBeGreaterThan(20);
	expect(leaks).toEqual([]);
	await raterContext.close();

	// The coordinator locks, unblinds and exports.
	const coordinator = await browser.newPage();
	const pages = new CoordinatorPages(coordinator);
	await pages.signIn();
	await pages.openRoundPage(fixture.roundId);
	await pages.transition('Lock round', 'locked');
	await pages.optOutOfPlan();
	await pages.unblind();
	await expect(coordinator.getByTestId('means')).toContainText('llama3-8b-qlora-letters');
	const download = coordinator.waitForEvent('download');
	await coordinator.getByTestId('export').click();
	const csv = await (await download).createReadStream().then(readAll);
	const [header, ...lines] = csv.trimEnd().split('\r\n');
	const cols = header!.split(',');
	const exported = new Map(
		lines.map((l) => {
			const f = l.split(',');
			return [
				`${f[cols.indexOf('item_code')]}/${f[cols.indexOf('dimension')]}`,
				Number(f[cols.indexOf('score')])
			];
		})
	);
	expect(exported).toEqual(given);

	// The analysis page: tables with their charts (a chart.js canvas that actually has a size).
	await coordinator.getByTestId('analysis-link').click();
	await expect(coordinator.getByTestId('means')).toContainText('llama3-8b-instruct');
	// Pre-registered: the fine-tune scores higher, so instruct vs fine-tune is tested 'less'.
	await expect(coordinator.getByTestId('paired')).toContainText('less');
	await expect(coordinator.getByTestId('agreement')).toBeVisible();
	// Issue 14: paired tests on automatic metrics, and acceptable letters beside their chart.
	await expect(coordinator.getByTestId('metric-tests')).toContainText('Modality correct');
	await expect(coordinator.getByTestId('acceptability')).toContainText('clinical_benefit >= 3');
	const acceptabilityWidth = await coordinator
		.getByTestId('acceptability')
		.locator('canvas')
		.evaluate((c) => (c as HTMLCanvasElement).width);
	expect(acceptabilityWidth).toBeGreaterThan(100);
	const width = await coordinator
		.locator('canvas')
		.first()
		.evaluate((c) => (c as HTMLCanvasElement).width);
	expect(width).toBeGreaterThan(100);
	const png = coordinator.waitForEvent('download');
	await coordinator.getByRole('button', { name: 'Download PNG' }).first().click();
	expect((await png).suggestedFilename()).toBe('means.png');
	const report = await coordinator.request.get(`/rounds/${fixture.roundId}/export/report.md`);
	expect(await report.text()).toContain('llama3-8b-qlora-letters');
});

test('a locked round is read-only for raters', async ({ page }) => {
	const fixture = readFixture();
	await page.goto(fixture.raterB);
	// The round's notice, not the marks list's own status line beside the letter.
	await expect(page.getByRole('status').filter({ hasText: 'locked' })).toContainText('locked');
	await expect(page.locator('fieldset.scale input').first()).toBeDisabled();
	const code = page.url().split('/').pop()!;
	const response = await page.request.put(`/api/rater/items/${code}/scores`, {
		data: { dimension: 'diagnosis', score: 2 }
	});
	expect(response.status()).toBe(409);
});

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
	return Buffer.concat(chunks).toString('utf8');
}
