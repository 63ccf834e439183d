import { expect, test } from '@playwright/test';
import { CoordinatorPages } from '../pages/coordinator';

/**
 * A coordinator sets a study up in the browser: creates it, uploads cases (an error first, then
 * the corrected file, previewed before saving), edits the rating form against its live preview,
 * imports outputs for a checkpoint, and downloads the study folder.
 */
const csv = (lines: string[]) => ({
	name: 'cases.csv',
	mimeType: 'text/csv',
	buffer: Buffer.from(lines.join('\n'))
});
const HEADER = 'id,diagnosis,tnm,radiotherapy.total_dose_gy';

test('a coordinator sets up a study from the browser and exports it', async ({ page }) => {
	await new CoordinatorPages(page).signIn();
	await page.getByRole('link', { name: 'New study' }).click();
	await page.getByLabel('Name', { exact: true }).fill('Browser study');
	await expect(page.getByLabel(/^Slug/)).toHaveValue('browser-study');
	await page.getByRole('button', { name: 'Create study' }).click();
	await expect(page).toHaveURL(/\/studies\/browser-study\/setup$/);

	// Too big for the upload: refused in the browser, naming the file and its size.
	const cases = page.getByLabel(/^Cases file/);
	await cases.setInputFiles({
		name: 'huge.csv',
		mimeType: 'text/csv',
		buffer: Buffer.alloc(21 * 1024 * 1024, 0x41)
	});
	await expect(page.getByText('huge.csv is 21.0 MB; files may be at most 20.0 MB')).toBeVisible();

	// Every error at once, by row and field; nothing to save.
	await cases.setInputFiles(
		csv([HEADER, 'B1,Prostate,cT2,60', 'B1,Breast,pT1,40', 'B 3,Lung,cT1,55', 'B4,Rectum'])
	);
	await page.getByRole('button', { name: 'Preview' }).click();
	const errors = page.getByTestId('cases-errors');
	await expect(errors).toContainText('cases.csv, line 3: field id: duplicate case id "B1"');
	await expect(errors).toContainText('line 4: field id: must not contain spaces or slashes');
	await expect(errors).toContainText('line 5: has 2 cells but the header has 4 columns');
	await expect(page.getByRole('button', { name: /^Save/ })).toHaveCount(0);

	// The corrected file: preview, then save.
	await cases.setInputFiles(
		csv([HEADER, 'B1,Prostate,cT2,60', 'B2,Breast,pT1,40', 'B3,Lung,cT1,55', 'B4,Rectum,cT3,50.4'])
	);
	await page.getByRole('button', { name: 'Preview' }).click();
	await expect(page.getByTestId('cases-count')).toContainText('cases.csv: 4 cases');
	await expect(page.getByTestId('cases-preview').getByRole('row')).toHaveCount(5);
	await expect(page.getByRole('cell', { name: 'Rectum' })).toBeVisible();
	await page.getByRole('button', { name: 'Save 4 cases' }).click();
	await expect(page.getByTestId('cases-saved')).toContainText('4 added');

	// The rating form, with the preview raters will see.
	await page.getByRole('link', { name: 'Edit the rating form' }).click();
	await expect(page.getByText('only while no round has been opened')).toBeVisible();
	const preview = page.getByTestId('form-preview');
	await expect(preview.locator('fieldset.scale')).toHaveCount(6);
	const first = page.getByRole('group', { name: 'Dimension 1' });
	await first.getByLabel('Key').fill('Bad Key');
	await expect(page.getByTestId('form-issues')).toContainText('dimensions.0.key');
	await expect(page.getByRole('button', { name: 'Save form' })).toBeDisabled();
	await first.getByLabel('Key').fill('addressee');
	await first.getByLabel('Label').fill('Addressee');
	await expect(preview.getByRole('radiogroup', { name: 'Addressee' })).toBeVisible();
	await page
		.getByRole('group', { name: 'Dimension 6' })
		.getByRole('button', { name: 'Remove' })
		.click();
	await page
		.getByRole('group', { name: 'Dimension 2' })
		.getByRole('button', { name: 'Move up' })
		.click();
	await expect(preview.locator('fieldset.scale').first()).toHaveAttribute(
		'data-dimension',
		'diagnosis'
	);
	// A yes/no scale for the third dimension: its anchors and the preview follow.
	const third = page.getByRole('group', { name: 'Dimension 3' });
	await third.getByLabel('Scale').selectOption({ label: 'Yes / no' });
	await expect(third.getByLabel(/^Anchor/)).toHaveCount(2);
	const yesNo = preview.locator('fieldset.scale').nth(2);
	await expect(yesNo.getByRole('radio', { name: 'No' })).toHaveValue('0');
	await expect(yesNo.getByRole('radio', { name: 'Yes' })).toHaveValue('1');
	await page.getByRole('button', { name: 'Save form' }).click();
	await expect(page.getByTestId('form-saved')).toBeVisible();
	await page.reload();
	await expect(preview.locator('fieldset.scale')).toHaveCount(5);
	await expect(preview.locator('fieldset.scale').nth(2).getByRole('radio')).toHaveCount(2);
	await expect(third.getByLabel('Scale').locator('option:checked')).toHaveText('Yes / no');

	// Outputs made elsewhere, for one checkpoint.
	await page.getByRole('link', { name: /Set up Browser study/ }).click();
	await page.getByLabel(/^Checkpoint name/).fill('vllm-lora');
	const letters = ['B1', 'B2', 'B3', 'B4'].map((id) =>
		JSON.stringify({ case_id: id, text: `Dear colleague, about ${id}.` })
	);
	await page.getByLabel(/^Outputs file/).setInputFiles({
		name: 'vllm.jsonl',
		mimeType: 'application/jsonl',
		buffer: Buffer.from(letters.join('\n'))
	});
	await page.getByRole('button', { name: 'Import outputs' }).click();
	await expect(page.getByTestId('outputs-imported')).toContainText('4 outputs added');

	// The study folder, as a tar archive.
	const downloading = page.waitForEvent('download');
	await page.getByRole('link', { name: /Export as a study folder/ }).click();
	const download = await downloading;
	expect(download.suggestedFilename()).toBe('browser-study.tar');
	const chunks: Buffer[] = [];
	for await (const chunk of (await download.createReadStream())!) chunks.push(chunk as Buffer);
	const tar = Buffer.concat(chunks).toString('latin1');
	for (const file of ['study.yaml', 'cases.jsonl', 'outputs/vllm-lora.jsonl'])
		expect(tar).toContain(`browser-study/${file}\0`);
	expect(tar).toContain('key: addressee');
	expect(tar).toContain('"id":"B4"');
});
