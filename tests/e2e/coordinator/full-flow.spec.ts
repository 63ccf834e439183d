/**
 * The whole coordinator flow in the browser, from an empty database (issue 7): first-run set-up
 * and sign-in; a study built from uploads (cases CSV, form edit, outputs of two checkpoints); a
 * fully crossed absolute round with two raters who score every letter in their own browsers;
 * lock, unblind and the long CSV, which must hold exactly what the raters entered; and the audit
 * log of the study, which must show every step. On a server of its own: set-up needs an empty
 * database.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { parse } from 'csv-parse/sync';
import { startOwnServer, type OwnServer } from '../access/own-server';
import { CoordinatorPages } from '../pages/coordinator';
import { RatingPage } from '../rater/rating-page';

const COORDINATOR = { name: 'Dr Flow', email: 'flow@clinic.test', password: 'full-flow-password' };
const STUDY = { name: 'Flow study', slug: 'flow-study' };
const CHECKPOINTS = ['llama3-8b-base', 'llama3-8b-qlora'];
const CASES = [
	{ id: 'F1', diagnosis: 'Prostate adenocarcinoma', tnm: 'cT2b cN0', dose: '60' },
	{ id: 'F2', diagnosis: 'Breast carcinoma', tnm: 'pT1c pN0', dose: '40.05' },
	{ id: 'F3', diagnosis: 'NSCLC', tnm: 'cT1b cN0', dose: '55' }
];
const RATERS = [
	{ name: 'Dr Rater One', email: 'one@clinic.test' },
	{ name: 'Dr Rater Two', email: '' }
];
// Begins with "=", as a formula would: exact in long.csv, neutralised in long-excel.csv.
const COMMENT = '=Addressee missing the referring GP.';

/** One score a rater entered, as the long CSV must hold it. */
interface Entered {
	rater: string;
	code: string;
	dimension: string;
	score: number;
}
const key = (e: Entered) => `${e.rater}|${e.code}|${e.dimension}|${e.score}`;

let server: OwnServer;
let dir: string;

test.beforeAll(async () => {
	test.setTimeout(180_000);
	server = await startOwnServer();
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-flow-'));
});
test.afterAll(async () => {
	await server?.stop();
	if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes a file for an upload into the temporary folder and returns its path. */
function tempFile(name: string, lines: string[]): string {
	const file = path.join(dir, name);
	fs.writeFileSync(file, lines.join('\n') + '\n');
	return file;
}

/** Clicks a download link and returns the downloaded file's text. */
async function download(page: Page, click: () => Promise<void>): Promise<string> {
	const [file] = await Promise.all([page.waitForEvent('download'), click()]);
	return fs.readFileSync((await file.path())!, 'utf8');
}

/** A rater opens their link and scores every letter; returns what they entered. */
async function rateEverything(
	browser: Browser,
	link: string,
	rater: string,
	comment?: string
): Promise<Entered[]> {
	const context = await browser.newContext({ baseURL: server.url });
	const page = await context.newPage();
	const rating = new RatingPage(page);
	await page.goto(new URL(link).pathname);
	const total = Number(
		(await page.getByTestId('progress').first().textContent())!.match(/of (\d+)/)![1]
	);
	// Fully crossed: every case's letter from each checkpoint.
	expect(total).toBe(CASES.length * CHECKPOINTS.length);
	const entered: Entered[] = [];
	for (let i = 0; i < total; i++) {
		const code = await rating.arrived();
		expect(entered.map((e) => e.code)).not.toContain(code);
		const dimensions = await rating.dimensions();
		expect(dimensions).toHaveLength(6);
		for (const [d, dimension] of dimensions.entries()) {
			const score = ((i * 3 + d + rater.length) % 4) + 1;
			await rating.scales
				.nth(d)
				.locator('label')
				.nth(score - 1)
				.click();
			entered.push({ rater, code, dimension, score });
		}
		if (comment && i === 0) {
			await page.getByTestId(`comment-${dimensions[0]}-toggle`).click();
			await page.getByTestId(`comment-${dimensions[0]}`).fill(comment);
		}
		await rating.saved();
		await rating.next.click();
		if (i < total - 1) await expect(page).not.toHaveURL(new RegExp(code));
	}
	await expect(page.getByTestId('all-done')).toBeVisible();
	await expect(page.getByTestId('progress')).toHaveText(`Scored ${total} of ${total}`);
	await context.close();
	return entered;
}

test('a coordinator runs a study from an empty database to the unblinded export', async ({
	browser
}) => {
	test.setTimeout(600_000);
	const context = await browser.newContext({ baseURL: server.url });
	const page = await context.newPage();
	const coordinator = new CoordinatorPages(page);

	await test.step('first-run set-up, then sign-in', async () => {
		await page.goto('/setup');
		await page.getByLabel('Name').fill(COORDINATOR.name);
		await page.getByLabel('Email').fill(COORDINATOR.email);
		await page.getByLabel('Password', { exact: true }).fill(COORDINATOR.password);
		await page.getByLabel('Confirm password').fill(COORDINATOR.password);
		await page.getByRole('button', { name: 'Create coordinator' }).click();
		await expect(page.getByRole('status')).toHaveText('Your account is ready: sign in.');
		await page.goto('/login');
		await page.getByLabel('Email').fill(COORDINATOR.email);
		await page.getByLabel('Password').fill(COORDINATOR.password);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await expect(page).toHaveURL(/\/studies$/);
		await expect(page.getByTestId('signed-in-as')).toHaveText(`${COORDINATOR.name} (coordinator)`);
	});

	await test.step('a study with cases, an edited form and two checkpoints', async () => {
		await page.getByRole('link', { name: 'New study' }).click();
		await page.getByLabel('Name', { exact: true }).fill(STUDY.name);
		await expect(page.getByLabel(/^Slug/)).toHaveValue(STUDY.slug);
		await page.getByRole('button', { name: 'Create study' }).click();
		await expect(page).toHaveURL(new RegExp(`/studies/${STUDY.slug}/setup$`));

		const cases = tempFile('cases.csv', [
			'id,diagnosis,tnm,radiotherapy.total_dose_gy,gold_modality',
			...CASES.map((c) => `${c.id},${c.diagnosis},${c.tnm},${c.dose},photon`)
		]);
		await page.getByLabel(/^Cases file/).setInputFiles(cases);
		await page.getByRole('button', { name: 'Preview' }).click();
		await expect(page.getByTestId('cases-count')).toContainText(`cases.csv: ${CASES.length} cases`);
		await expect(page.getByRole('cell', { name: 'Breast carcinoma' })).toBeVisible();
		await page.getByRole('button', { name: `Save ${CASES.length} cases` }).click();
		await expect(page.getByTestId('cases-saved')).toContainText(`${CASES.length} added`);

		await page.getByRole('link', { name: 'Edit the rating form' }).click();
		const preview = page.getByTestId('form-preview');
		await expect(preview.locator('fieldset.scale')).toHaveCount(6);
		await page
			.getByRole('group', { name: 'Dimension 1' })
			.getByLabel('Label')
			.fill('Greeting and addressee');
		await expect(preview.getByRole('radiogroup', { name: 'Greeting and addressee' })).toBeVisible();
		await page.getByRole('button', { name: 'Save form' }).click();
		await expect(page.getByTestId('form-saved')).toBeVisible();

		await page.getByRole('link', { name: `Set up ${STUDY.name}` }).click();
		const outputs = tempFile(
			'outputs.jsonl',
			CHECKPOINTS.flatMap((checkpoint) =>
				CASES.map((c) =>
					JSON.stringify({
						case_id: c.id,
						checkpoint,
						text: `Dear colleague, ${c.diagnosis} (${c.tnm}), ${c.dose} Gy. Written by ${checkpoint}.`
					})
				)
			)
		);
		await page.getByLabel(/^Outputs file/).setInputFiles(outputs);
		await page.getByRole('button', { name: 'Import outputs' }).click();
		await expect(page.getByTestId('outputs-imported')).toContainText(
			`${CASES.length * CHECKPOINTS.length} outputs added`
		);
		for (const checkpoint of CHECKPOINTS)
			await expect(page.getByRole('listitem').filter({ hasText: checkpoint })).toContainText(
				`${CASES.length} of ${CASES.length} done`
			);
	});

	const links: { pseudonym: string; link: string }[] = [];
	await test.step('a round with two raters, opened', async () => {
		await page.getByRole('link', { name: `← ${STUDY.name}` }).click();
		await expect(page.getByRole('heading', { name: 'New round' })).toBeVisible();
		await page.getByLabel('Name', { exact: true }).fill('Flow round');
		for (const checkpoint of CHECKPOINTS)
			await expect(page.getByRole('checkbox', { name: checkpoint })).toBeChecked();
		await page.getByRole('radio', { name: /^Absolute/ }).check();
		await page.getByRole('radio', { name: /^Fully crossed/ }).check();
		await page.getByRole('button', { name: 'Create round' }).click();
		await expect(page.getByRole('heading', { name: 'Flow round' })).toBeVisible();
		await expect(page.getByTestId('round-status')).toHaveText('draft');

		for (const [i, rater] of RATERS.entries()) {
			await page.getByLabel('Name', { exact: true }).fill(rater.name);
			await page.getByLabel('Email (optional)').fill(rater.email);
			await page.getByRole('button', { name: 'Add rater and create link' }).click();
			await expect(page.getByTestId('rater-row')).toHaveCount(i + 1);
			const pseudonym = `R0${i + 1}`;
			await expect(page.getByRole('status')).toContainText(`Personal link for ${pseudonym}`);
			const link = (await page.getByTestId('rater-link').textContent())!.trim();
			expect(link).toMatch(/\/r\/[A-Za-z0-9_-]{43}$/);
			await expect(page.getByTestId('invitation')).toHaveValue(new RegExp(link));
			links.push({ pseudonym, link });
		}
		await coordinator.transition('Open round', 'open');
	});

	const entered: Entered[] = [];
	await test.step('each rater scores every letter in their own browser', async () => {
		for (const [i, { pseudonym, link }] of links.entries())
			entered.push(
				...(await rateEverything(browser, link, pseudonym, i === 0 ? COMMENT : undefined))
			);
		// The coordinator's page shows both raters done.
		const letters = CASES.length * CHECKPOINTS.length;
		await page.reload();
		for (const row of await page.getByTestId('rater-row').all())
			await expect(row.getByTestId('progress')).toHaveText(`Scored ${letters} of ${letters}`);
	});

	await test.step('lock, unblind: the long CSV holds exactly what the raters entered', async () => {
		await coordinator.transition('Lock round', 'locked');
		await coordinator.optOutOfPlan();
		await coordinator.unblind();
		const csv = await download(page, () => page.getByTestId('export').click());
		const rows = parse(csv, { columns: true }) as Record<string, string>[];
		const exported = rows.map((r) => ({
			rater: r.rater!,
			code: r.item_code!,
			dimension: r.dimension!,
			score: Number(r.score)
		}));
		expect(rows).toHaveLength(entered.length);
		expect(new Set(exported.map(key))).toEqual(new Set(entered.map(key)));
		expect(new Set(rows.map((r) => r.checkpoint))).toEqual(new Set(CHECKPOINTS));
		// Each rater had each case's letter from both checkpoints.
		for (const { pseudonym } of links)
			for (const c of CASES)
				expect(
					new Set(
						rows.filter((r) => r.rater === pseudonym && r.case_id === c.id).map((r) => r.checkpoint)
					)
				).toEqual(new Set(CHECKPOINTS));
		const commented = rows.filter((r) => r.comment);
		expect(commented.map((r) => [r.rater, r.comment])).toEqual([[links[0]!.pseudonym, COMMENT]]);
		// "Open in Excel": the same rows with a BOM, the comment behind a ' so it stays text.
		const excel = await download(page, () => page.getByTestId('export-excel').click());
		expect(excel.startsWith('\uFEFF')).toBe(true);
		const safe = parse(excel.slice(1), { columns: true }) as Record<string, string>[];
		expect(safe).toEqual(rows.map((r) => ({ ...r, comment: r.comment ? `'${r.comment}` : '' })));
	});

	await test.step('the audit log of the study shows every step', async () => {
		await page.getByRole('link', { name: 'Audit log' }).click();
		await page.getByLabel('Study').selectOption(STUDY.slug);
		await page.getByRole('button', { name: 'Filter' }).click();
		await expect(page).toHaveURL(new RegExp(`[?&]study=${STUDY.slug}`));
		// Newest first: the unblinding tops the page.
		await expect(page.getByTestId('audit-row').first()).toContainText('round.unblind');

		const csv = await download(page, () =>
			page.getByRole('link', { name: 'Download CSV' }).click()
		);
		const log = parse(csv, { columns: true }) as Record<string, string>[];
		const actors = (action: string) =>
			new Set(log.filter((r) => r.action === action).map((r) => r.actor));
		const coordinatorActor = `${COORDINATOR.name} <${COORDINATOR.email}>`;
		for (const action of [
			'study.create',
			'cases.upload',
			'study.form',
			'outputs.import',
			'round.create',
			'rater.add',
			'round.open',
			'round.lock',
			'round.unblind'
		])
			expect(actors(action), action).toEqual(new Set([coordinatorActor]));
		const pseudonyms = links.map((l) => l.pseudonym);
		expect(actors('rating.create')).toEqual(new Set(pseudonyms));
		expect(actors('comment.create')).toEqual(new Set([pseudonyms[0]]));
		const count = (action: string) => log.filter((r) => r.action === action).length;
		expect(count('rater.add')).toBe(RATERS.length);
		expect(count('rating.create')).toBe(entered.length);
	});
	await context.close();
});
