import { expect, test } from '@playwright/test';
import { readFixture } from '../fixture';
import { CoordinatorPages } from '../pages/coordinator';

/**
 * No chart, figure or other table lies over a table cell of the analysis page, at any of the
 * widths coordinators use (issue 14: the means chart covered the last columns of the means table
 * at 1280–1920 px). Each cell is scrolled into view (its page or its own scrolling box), and the
 * element at the centre of the cell must be the cell or inside it.
 */
test('no table cell of the analysis page is covered at 1024, 1280, 1366 or 1920 px', async ({
	page
}) => {
	// One sign-in for every width: each width is a fresh load of the page.
	await new CoordinatorPages(page).signIn();
	for (const width of [1024, 1280, 1366, 1920]) {
		await page.setViewportSize({ width, height: 900 });
		await page.goto(`/rounds/${readFixture().analysisRoundId}/analysis`);
		await expect(page.getByTestId('means')).toContainText('llama3-8b-instruct');
		await expect(page.getByTestId('confusion-modality').first()).toContainText('no label found');
		// Charts are drawn once their canvas has a size.
		await expect
			.poll(() => page.locator('canvas').evaluateAll((cs) => cs.every((c) => c.clientWidth > 0)))
			.toBe(true);
		const result = await page.evaluate(() => {
			const covered: string[] = [];
			const cells = [...document.querySelectorAll('main table th, main table td')];
			for (const cell of cells) {
				cell.scrollIntoView({ block: 'center', inline: 'center' });
				const r = cell.getBoundingClientRect();
				if (r.width === 0 || r.height === 0) continue;
				const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
				if (hit !== cell && !cell.contains(hit)) {
					const table = cell.closest('table')?.getAttribute('data-testid') ?? 'table';
					const what = hit ? `${hit.tagName.toLowerCase()}.${hit.className}` : 'nothing';
					covered.push(`${table}: "${cell.textContent?.trim()}" under ${what}`);
				}
			}
			return { cells: cells.length, covered };
		});
		// The page has all its tables: means, paired tests, agreement, ROUGE, labels, effort.
		expect(result.cells).toBeGreaterThan(200);
		expect(result.covered, `at ${width} px`).toEqual([]);
	}

	// Every letter is in its checkpoint's modality matrix: the counts of a row add up to the
	// row's n, and the rows to the 14 demo letters (none vanish for want of a label).
	const matrices = await page.getByTestId('confusion-modality').evaluateAll((tables) =>
		tables.map((t) =>
			[...t.querySelectorAll('tbody tr')].map((tr) => {
				// Cells: the counts, then n, precision, recall and F1.
				const numbers = [...tr.querySelectorAll('td')].map((td) => Number(td.textContent));
				const counts = numbers.slice(0, -4);
				return { n: numbers.at(-4)!, sum: counts.reduce((a, b) => a + b, 0) };
			})
		)
	);
	expect(matrices).toHaveLength(2);
	for (const rows of matrices) {
		expect(rows.map((r) => r.sum)).toEqual(rows.map((r) => r.n));
		expect(rows.reduce((a, r) => a + r.n, 0)).toBe(14);
	}
});
