/**
 * Text the database cannot store, and what the server logs (issue 18, point 6), against the
 * production server on PGlite and on PostgreSQL 15: NUL and unpaired surrogates in any text
 * field are a 400 naming the field, in a route parameter a 404; and when the database fails on
 * a rater's comment, the server's stdout and stderr hold the error id but not the comment.
 */
import { randomBytes } from 'node:crypto';
import { expect, test, type APIRequestContext } from '@playwright/test';
import postgres from 'postgres';
import { MATRIX_USERS } from './matrix-users';
import { startOwnServer, type OwnServer } from './own-server';

/** prepare-text-input.ts makes the database refuse every comment that holds this. */
const MARKER = 'BLINDEVAL-LOG-MARKER';
const NUL = '\u0000';

for (const kind of ['pglite', 'postgres'] as const)
	test.describe(`text input and logs on ${kind}`, () => {
		let server: OwnServer;
		let rater: APIRequestContext;
		let coord: APIRequestContext;
		let dropDatabase = async () => {};

		test.beforeAll(async ({ playwright }) => {
			test.setTimeout(240_000);
			const env: Record<string, string> = {};
			if (kind === 'postgres') {
				const admin = process.env.TEST_DATABASE_URL;
				if (!admin) throw new Error('TEST_DATABASE_URL is not set (tests/env/test-all.sh sets it)');
				const name = `blindeval_text_${randomBytes(4).toString('hex')}`;
				const sqlAdmin = postgres(admin, { max: 1, onnotice: () => {} });
				await sqlAdmin.unsafe(`create database ${name}`);
				const url = new URL(admin);
				url.pathname = `/${name}`;
				env.DATABASE_URL = url.toString();
				dropDatabase = async () => {
					await sqlAdmin.unsafe(`drop database if exists ${name} with (force)`);
					await sqlAdmin.end();
				};
			}
			server = await startOwnServer('tests/e2e/access/prepare-text-input.ts', {
				env,
				capture: true
			});
			const context = () =>
				playwright.request.newContext({
					baseURL: server.url,
					extraHTTPHeaders: { origin: server.url }
				});
			rater = await context();
			coord = await context();
			const link = await rater.get(`/r/${server.fixture.raterToken}`, { maxRedirects: 0 });
			expect(link.status()).toBe(303);
			const { email, password } = MATRIX_USERS.coordinator;
			const signIn = await coord.post('/login', {
				form: { email, password },
				headers: { accept: 'text/html' },
				maxRedirects: 0
			});
			expect(signIn.status()).toBe(303);
		});

		test.afterAll(async () => {
			await rater?.dispose();
			await coord?.dispose();
			await server?.stop();
			await dropDatabase();
		});

		const comment = (body: string) =>
			rater.put(`/api/rater/items/${server.fixture.code}/comments`, {
				// Sent as text, so a lone surrogate goes out as the JSON escape \ud800.
				data: `{"dimension":"","body":${JSON.stringify(body).replace(/[\ud800-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)}}`,
				headers: { 'content-type': 'application/json' }
			});

		test('NUL and lone surrogates in a text field are a 400 naming the field', async () => {
			for (const body of [`fine${NUL}`, '\ud800 lone', 'x\udc00']) {
				const response = await comment(body);
				expect(response.status(), JSON.stringify(body)).toBe(400);
				expect((await response.json()).message).toMatch(
					/^Field "body" contains (a NUL|an unpaired)/
				);
			}
			const correction = await rater.put(`/api/rater/items/${server.fixture.code}/correction`, {
				data: { body: `Dear Dr. A${NUL}` }
			});
			expect(correction.status()).toBe(400);
			expect((await correction.json()).message).toContain('Field "body" contains a NUL');
			// A coordinator's form field (adding a rater), sent as a browser would.
			const form = await coord.post(`/rounds/${server.fixture.round}?/addRater`, {
				form: { name: `Dr. X${NUL}` },
				headers: { accept: 'text/html' },
				maxRedirects: 0
			});
			expect(form.status()).toBe(400);
			expect(await form.text()).toContain('Field &#34;name&#34; contains a NUL character');
			const query = await coord.get(`/audit?q=a%00b`, { maxRedirects: 0 });
			expect(query.status()).toBe(400);
			expect(await query.text()).toContain('Query parameter &#34;q&#34; contains a NUL');
			// Clean text still saves.
			expect((await comment('Reads well.')).status()).toBe(200);
		});

		test('a NUL or a malformed escape in a route parameter is a 404', async () => {
			for (const path of ['/studies/%00', '/studies/%E0%A4%A', '/rounds/%00', '/rounds/%ZZ'])
				expect((await coord.get(path, { maxRedirects: 0 })).status(), path).toBe(404);
			for (const path of ['/rate/%00', '/rate/%C3%28'])
				expect((await rater.get(path, { maxRedirects: 0 })).status(), path).toBe(404);
			const score = await rater.put('/api/rater/items/%00/scores', {
				data: { dimension: 'diagnosis', score: 3 }
			});
			expect(score.status()).toBe(404);
			expect((await rater.get('/r/%00', { maxRedirects: 0 })).status()).toBe(404);
		});

		test('when the database fails on a comment, the log holds its error id but not the comment', async () => {
			const marker = `${MARKER}-${randomBytes(6).toString('hex')}`;
			const response = await comment(`Patient text ${marker}`);
			expect(response.status()).toBe(500);
			const { errorId } = (await response.json()) as { errorId: string };
			expect(errorId).toMatch(/^[0-9a-f-]{36}$/);
			await expect.poll(() => server.output(), { timeout: 10_000 }).toContain(errorId);
			const line = server
				.output()
				.split('\n')
				.find((l) => l.includes(errorId))!;
			expect(line).toContain('PUT /api/rater/items/[code]/comments');
			expect(line).toContain('P0001'); // raise_exception: the database's code is kept
			// The marker with NUL (refused before any query) and in a query string, too.
			expect((await comment(`${marker}${NUL}`)).status()).toBe(400);
			expect((await coord.get(`/audit?q=${marker}`)).status()).toBe(200);
			expect(server.output()).not.toContain(marker);
			expect(server.output()).not.toContain(MARKER);
		});
	});
