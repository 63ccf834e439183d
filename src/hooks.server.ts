import { randomUUID } from 'node:crypto';
import {
	isHttpError,
	isRedirect,
	type Handle,
	type HandleServerError,
	type RequestEvent,
	type ServerInit
} from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { db, startDatabase, stopDatabase } from '$lib/server/app-db';
import { LOCALE_COOKIE, localeFrom, t, type Locale } from '$lib/i18n/messages';
import { mayUseRoute } from '$lib/server/auth/access';
import { accessOf, audienceOf, RATER_COOKIE, SESSION_COOKIE } from '$lib/server/auth/routes';
import * as users from '$lib/server/auth/users';
import {
	bodyLimitOf,
	discardBoundOf,
	discardRest,
	formatBytes,
	withinLimit
} from '$lib/server/body-limit';
import { errorResponse, redirectResponse } from '$lib/server/error-response';
import { stopAll } from '$lib/server/generation/background';
import { logServerError } from '$lib/server/log';
import { unstorableInput } from '$lib/server/text-guard';
import * as jobs from '$lib/server/generation/jobs';
import { raterFromToken } from '$lib/server/rating';
import { FALLBACK_CSP, SECURITY_HEADERS } from '$lib/server/security-headers.js';
import { startStallTrace } from '$lib/server/stall-trace';

export const init: ServerInit = async () => {
	startStallTrace(process.env.BLINDEVAL_STALL_TRACE); // bench-only, off unless set
	const database = await startDatabase();
	// Jobs of a previous server process that died are shown as interrupted, not as running.
	await jobs.markInterrupted(database.db);
	await database.warm();
	process.on('sveltekit:shutdown', () => {
		void stopAll().finally(() => stopDatabase());
	});
};

/** The rater's language where it matters (their choice, else the browser's), English elsewhere. */
function localeOf(event: RequestEvent): Locale {
	return localeFrom(event.cookies.get(LOCALE_COOKIE), event.request.headers.get('accept-language'));
}

/**
 * Outermost, so every response the app makes carries the security headers and its language:
 * pages, endpoints, errors, redirects and the hooks' own refusals (401, 403, 413). An inner
 * handle that throws error() or redirect() is answered here, not by SvelteKit's bare error page.
 * server.js sets the same headers on what SvelteKit answers before the hooks (CSRF, files).
 */
const headers: Handle = async ({ event, resolve }) => {
	const lang = audienceOf(event.route.id) === 'coordinator' ? 'en' : localeOf(event);
	let response: Response;
	try {
		response = await resolve(event, {
			transformPageChunk: ({ html }) => html.replace('%lang%', lang)
		});
	} catch (e) {
		if (isRedirect(e)) response = redirectResponse(event, e.status, e.location);
		else if (isHttpError(e)) response = errorResponse(event, e.status, e.body.message, lang);
		else throw e;
	}
	for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
	if (!response.headers.has('content-security-policy'))
		response.headers.set('content-security-policy', FALLBACK_CSP);
	if (audienceOf(event.route.id) !== 'public') response.headers.set('cache-control', 'no-store');
	return response;
};

const session: Handle = async ({ event, resolve }) => {
	const sessionToken = event.cookies.get(SESSION_COOKIE);
	const raterToken = event.cookies.get(RATER_COOKIE);
	// Any signed-in user, coordinator or statistician (see CoordinatorActor.role).
	event.locals.coordinator = sessionToken ? await users.fromSession(db(), sessionToken) : null;
	event.locals.rater = raterToken ? await raterFromToken(db(), raterToken) : null;
	return resolve(event);
};

/**
 * The gate: decided on the route id and method (auth/routes.ts), so it covers pages, form
 * actions, data requests and endpoints alike (a +layout.server.ts check would not cover
 * endpoints or actions). Statisticians read; every write is for coordinators.
 */
const authorize: Handle = async ({ event, resolve }) => {
	const access = accessOf(event.route.id, event.request.method);
	if (access === 'rater' && !event.locals.rater) {
		const locale = localeOf(event);
		return errorResponse(event, 401, t(locale, 'link.invalid'), locale);
	}
	if (access === 'staff' || access === 'coordinator') {
		const user = event.locals.coordinator;
		if (!user) {
			if (event.request.method === 'GET' && !event.url.pathname.startsWith('/api/'))
				return redirectResponse(
					event,
					303,
					`/login?next=${encodeURIComponent(event.url.pathname)}`
				);
			return errorResponse(event, 401, 'Please sign in');
		}
		if (!mayUseRoute(access, user))
			return errorResponse(
				event,
				403,
				event.request.method === 'GET'
					? 'This page is for coordinators.'
					: 'Statisticians can read studies, rounds, analyses and exports, but not change anything.'
			);
	}
	return resolve(event);
};

/** After the gate, so nobody can make the server read a large body without being let in. */
const limitBody: Handle = async ({ event, resolve }) => {
	const limit = bodyLimitOf(event.route.id);
	const request = await withinLimit(event.request, limit);
	if (!request) {
		const response = errorResponse(
			event,
			413,
			`The request is too large: at most ${formatBytes(limit)} can be sent here.`
		);
		// Read the rest (up to a bound) so a client still writing sees this answer, not a broken
		// pipe; a body beyond the bound is left unread and the connection closed.
		if (!(await discardRest(event.request, discardBoundOf(limit))))
			response.headers.set('connection', 'close');
		return response;
	}
	event.request = request;
	return resolve(event);
};

/** Last: text the database cannot store is a 400 naming the field (or a 404 in the path). */
const guardText: Handle = async ({ event, resolve }) => {
	const refusal = await unstorableInput(event);
	if (refusal) return errorResponse(event, refusal.status, refusal.message);
	return resolve(event);
};

export const handle = sequence(headers, session, authorize, limitBody, guardText);

export const handleError: HandleServerError = ({ error: e, event, status, message }) => {
	if (status === 404) return { message: 'Not found' };
	const errorId = randomUUID();
	// The route id, never the URL (a rater link holds its token); no body, query or parameters.
	logServerError(errorId, `${event.request.method} ${event.route.id ?? '(no route)'}`, e);
	// Kit's own message for 4xx (e.g. "Method Not Allowed"); never the error's text, stack or SQL.
	return { message: status >= 500 ? 'Something went wrong on the server.' : message, errorId };
};
