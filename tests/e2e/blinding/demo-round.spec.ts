import { expect, test, type APIResponse } from '@playwright/test';
import { readFixture } from '../fixture';

/**
 * Blinding: walks everything a rater of the demo round can reach (their link, the overview,
 * every item page and its data request, a score save, error responses) and searches status
 * line, headers (cookies included) and body of each for every checkpoint's name, id and files.
 */
test('nothing a demo rater can reach names a checkpoint', async ({ page, request }) => {
	const { demoRater, checkpointSecrets } = readFixture();
	expect(checkpointSecrets.length).toBeGreaterThan(6);
	const leaks: string[] = [];
	let checked = 0;
	const inspect = async (what: string, r: APIResponse) => {
		const haystack = `${r.url()}\n${r.status()}\n${JSON.stringify(r.headersArray())}\n${await r.text()}`;
		for (const s of checkpointSecrets)
			if (haystack.includes(s)) leaks.push(`${what} contains "${s}"`);
		checked++;
	};

	// The link itself, without following the redirect: its headers set the cookie.
	await inspect('link', await request.get(demoRater, { maxRedirects: 0 }));
	await inspect('overview', await request.get('/rate?overview'));
	await page.goto(demoRater);
	await expect(page.getByTestId('letter')).not.toBeEmpty();
	const codes = await page.evaluate(async () => {
		const html = await (await fetch('/rate?overview')).text();
		return [...html.matchAll(/\/rate\/([0-9A-Z]{4}-[0-9A-Z]{4})/g)].map((m) => m[1]!);
	});
	expect(new Set(codes).size).toBe(28);
	const api = page.request;
	for (const code of new Set(codes)) {
		await inspect(`page ${code}`, await api.get(`/rate/${code}`));
		await inspect(`data ${code}`, await api.get(`/rate/${code}/__data.json`));
	}
	const first = codes[0]!;
	await inspect(
		'save',
		await api.put(`/api/rater/items/${first}/scores`, {
			data: { dimension: 'diagnosis', score: 3 }
		})
	);
	await inspect(
		'bad save',
		await api.put(`/api/rater/items/${first}/scores`, { data: { dimension: 'nope', score: 3 } })
	);
	// Error marks: a passage of the letter and an omission, listed, changed, refused, deleted.
	const letter = await page.getByTestId('letter').innerText();
	const marks = `/api/rater/items/${first}/marks`;
	const span = { kind: 'span', start: 0, end: 8, quote: letter.slice(0, 8), category: 'other' };
	const ids = ['1f000000-0000-4000-8000-000000000001', '1f000000-0000-4000-8000-000000000002'];
	await inspect('mark create', await api.post(marks, { data: { id: ids[0], ...span } }));
	await inspect(
		'omission create',
		await api.post(marks, {
			data: { id: ids[1], kind: 'omission', field: 'tnm', category: 'wrong_diagnosis' }
		})
	);
	await inspect('mark list', await api.get(marks));
	await inspect(
		'mark change',
		await api.put(`${marks}/${ids[0]}`, { data: { ...span, harmExtent: 2, harmLikelihood: 1 } })
	);
	const bad = await api.post(marks, {
		data: { id: ids[1], kind: 'omission', field: 'no_such_field', category: 'other' }
	});
	expect(bad.status()).toBe(400);
	await inspect('bad mark', bad);
	await inspect('mark delete', await api.delete(`${marks}/${ids[1]}`, { data: {} }));
	await inspect(`page ${first} with marks`, await api.get(`/rate/${first}/__data.json`));
	const missing = await api.get('/rate/ZZZZ-ZZZZ');
	expect(missing.status()).toBe(404);
	await inspect('unknown item', missing);
	await inspect('no cookie', await request.get(`/rate/${first}`, { headers: { cookie: '' } }));
	// Static assets the pages load (scripts, styles).
	const assets = await page.evaluate(() =>
		[
			...document.querySelectorAll<HTMLScriptElement | HTMLLinkElement>('script[src], link[href]')
		].map((e) => ('src' in e && e.src) || (e as HTMLLinkElement).href)
	);
	for (const a of assets) await inspect(`asset ${a}`, await api.get(a));

	expect(checked).toBeGreaterThan(60);
	expect(leaks).toEqual([]);
});
