/**
 * The authorization matrix against the production server: every page, form action and
 * endpoint in the route tree, for every kind of visitor, with the status expected in
 * expectations.ts and the security headers on every response.
 */
import { expect, test, type APIRequestContext, type APIResponse } from '@playwright/test';
import { EXPECTATIONS, type Row } from './expectations';
import { MATRIX_USERS } from './matrix-users';
import { startOwnServer, type OwnServer } from './own-server';
import { routeKeys, urlOf } from './route-tree';

type Visitor = keyof Row;
const VISITORS: Visitor[] = ['anon', 'a', 'b', 'c', 'stat', 'coord'];

/** The id of rater A's error mark (chosen by the page, as a browser does). */
const MARK = '0a0b0c0d-0000-4000-8000-000000000001';
const OMISSION = { kind: 'omission', field: 'diagnosis', category: 'other', harmExtent: 2 };

/** JSON bodies of the rater endpoints: valid, so rater A's requests succeed. */
const BODIES: Record<string, unknown> = {
	'/api/rater/items/[code]/marks': { id: MARK, ...OMISSION },
	'/api/rater/items/[code]/marks/[mark]': { ...OMISSION, note: 'Changed.' },
	'/api/rater/items/[code]/scores': { dimension: 'diagnosis', score: 3 },
	'/api/rater/items/[code]/comments': { dimension: '', body: 'Reads well.' },
	'/api/rater/items/[code]/correction': { body: 'Corrected letter.' },
	'/api/rater/items/[code]/time': { seconds: 5 },
	'/api/rater/items/[code]/preferences': { dimension: 'diagnosis', choice: 'left' }
};

/** Form fields of actions that would fail on an empty form for a reason other than access. */
const FORMS: Record<string, Record<string, string>> = {};

function expectSecurityHeaders(response: APIResponse, what: string) {
	const h = response.headers();
	expect(h['content-security-policy'], what).toContain("frame-ancestors 'none'");
	expect(h['x-frame-options'], what).toBe('DENY');
	expect(h['x-content-type-options'], what).toBe('nosniff');
	expect(h['referrer-policy'], what).toBe('same-origin');
}

let server: OwnServer;

/** Opens a session for the statistician or coordinator context (the matrix ends them). */
async function signIn(v: 'stat' | 'coord') {
	const user = v === 'stat' ? MATRIX_USERS.statistician : MATRIX_USERS.coordinator;
	const response = await visitors[v].post('/login', {
		form: { email: user.email, password: user.password },
		headers: { accept: 'text/html' },
		maxRedirects: 0
	});
	expect(response.status()).toBe(303);
}
const visitors = {} as Record<Visitor, APIRequestContext>;

test.beforeAll(async ({ playwright }) => {
	test.setTimeout(240_000);
	server = await startOwnServer('tests/e2e/access/prepare-matrix.ts');
	const f = server.fixture;
	for (const v of VISITORS)
		visitors[v] = await playwright.request.newContext({
			baseURL: server.url,
			// SvelteKit's CSRF check wants a same-origin Origin on form posts, as a browser sends.
			extraHTTPHeaders: { origin: server.url }
		});
	for (const [v, token] of [
		['a', f.raterA],
		['b', f.raterB],
		['c', f.raterC]
	] as const)
		expect((await visitors[v].get(`/r/${token}`, { maxRedirects: 0 })).status()).toBe(303);
	await signIn('stat');
	await signIn('coord');
});

test.afterAll(async () => {
	for (const v of VISITORS) await visitors[v]?.dispose();
	await server?.stop();
});

function send(visitor: Visitor, key: string, round: 'unblinded' | 'open', file = 'long.csv') {
	const [method, routeId, action] = key.split(' ') as [string, string, string | undefined];
	const f = server.fixture;
	const url = urlOf(routeId, {
		id: round === 'open' ? f.openRound! : f.unblindedRound!,
		slug: f.slug!,
		checkpoint: f.checkpoint!,
		file,
		code: f.codeA!,
		mark: MARK,
		token: 'not-a-valid-link'
	});
	const ctx = visitors[visitor];
	if (action)
		return ctx.post(action === '?/default' ? url : `${url}${action}`, {
			form: FORMS[action] ?? {},
			headers: { accept: 'text/html' },
			maxRedirects: 0
		});
	const data = method === 'GET' ? undefined : BODIES[routeId];
	return ctx.fetch(url, { method, data, maxRedirects: 0 });
}

test('every route has an expectation, and every expectation a route', () => {
	const keys = routeKeys();
	expect(
		keys.filter((k) => !(k in EXPECTATIONS)),
		'routes without an expectation'
	).toEqual([]);
	expect(
		Object.keys(EXPECTATIONS).filter((k) => !keys.includes(k)),
		'expectations without a route'
	).toEqual([]);
});

test('each visitor gets the expected status from every route', async () => {
	// signing out ends the sessions the other rows use: last
	const keys = routeKeys().sort(
		(x, y) => Number(x.includes('logout')) - Number(y.includes('logout'))
	);
	const got: string[] = [];
	const want: string[] = [];
	for (const key of keys) {
		const expectation = EXPECTATIONS[key]!;
		const variants: ['unblinded' | 'open', Row][] =
			'anon' in expectation ? [['unblinded', expectation]] : (Object.entries(expectation) as never);
		for (const [round, row] of variants)
			for (const v of VISITORS) {
				const response = await send(v, key, round);
				const label = `${key}${variants.length > 1 ? ` (${round} round)` : ''} as ${v}`;
				expectSecurityHeaders(response, label);
				got.push(`${label}: ${response.status()}`);
				want.push(`${label}: ${row[v]}`);
			}
	}
	// compared as one list, so a failure shows every row that differs at once
	expect(got).toEqual(want);
});

test('every export file, the spreadsheet-safe ones too, answers each visitor as long.csv does', async () => {
	await signIn('stat'); // the matrix ended both sessions with its last row
	await signIn('coord');
	const key = 'GET /(coordinator)/rounds/[id]/export/[file]';
	const rows = EXPECTATIONS[key] as Record<'unblinded' | 'open', Row>;
	const got: string[] = [];
	const want: string[] = [];
	for (const file of ['wide.csv', 'codebook.csv', 'long-excel.csv', 'wide-excel.csv'])
		for (const round of ['unblinded', 'open'] as const)
			for (const v of VISITORS) {
				const response = await send(v, key, round, file);
				const label = `${file} (${round} round) as ${v}`;
				expectSecurityHeaders(response, label);
				got.push(`${label}: ${response.status()}`);
				want.push(`${label}: ${rows[round][v]}`);
				if (response.status() === 200 && file.endsWith('-excel.csv'))
					expect(response.headers()['content-disposition'], label).toContain('-excel.csv');
			}
	expect(got).toEqual(want);
});

test('bodies above the route limit get 413, after the gate', async () => {
	const big = 'x'.repeat(65 * 1024);
	const login = await visitors.anon.post('/login', {
		form: { email: 'a@b.c', password: big },
		headers: { accept: 'text/html' }
	});
	expect(login.status()).toBe(413);
	expect(await login.text()).toContain('at most 64 KB');
	expectSecurityHeaders(login, 'login 413');
	const score = await visitors.a.put(`/api/rater/items/${server.fixture.codeA}/scores`, {
		data: { dimension: 'diagnosis', score: 3, padding: big }
	});
	expect(score.status()).toBe(413);
	expect((await score.json()).message).toContain('at most 64 KB');
	await signIn('coord');
	// study pages take uploads up to 20 MB: 2 MB reaches the action (which wants a name) ...
	const study = `/studies/${server.fixture.slug}?/createRound`;
	const post = (v: 'anon' | 'coord', size: number) =>
		visitors[v].post(study, {
			multipart: {
				name: '',
				file: { name: 'cases.jsonl', mimeType: 'text/plain', buffer: Buffer.alloc(size, 120) }
			},
			headers: { accept: 'text/html' },
			maxRedirects: 0
		});
	expect((await post('coord', 2 * 1024 * 1024)).status()).toBe(400);
	// ... 21 MB does not, and nobody signed out gets as far as the limit
	const tooLarge = await post('coord', 21 * 1024 * 1024);
	expect(tooLarge.status()).toBe(413);
	expect(await tooLarge.text()).toContain('at most 20 MB');
	expect((await post('anon', 21 * 1024 * 1024)).status()).toBe(401);
});

test('unknown paths are 404 with the security headers, and errors show no internals', async () => {
	const missing = await visitors.coord.get('/no-such-page');
	expect(missing.status()).toBe(404);
	expectSecurityHeaders(missing, '404');
	const file = await visitors.coord.get(`/rounds/${server.fixture.unblindedRound}/export/nope.csv`);
	expect(file.status()).toBe(404);
	const notARound = await visitors.coord.get('/rounds/not-a-uuid');
	const text = await notARound.text();
	expect(text).not.toMatch(/select |invalid input syntax|at .*\.(js|ts):\d+/i);
	expectSecurityHeaders(notARound, 'bad round id');
});
