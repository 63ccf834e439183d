import { randomUUID } from 'node:crypto';
import {
	error,
	redirect,
	type Handle,
	type HandleServerError,
	type RequestEvent,
	type ServerInit
} from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { db, startDatabase, stopDatabase } from '$lib/server/app-db';
import { LOCALE_COOKIE, localeFrom, t, type Locale } from '$lib/i18n/messages';
import { audienceOf, RATER_COOKIE, SESSION_COOKIE } from '$lib/server/auth/routes';
import * as users from '$lib/server/auth/users';
import { stopAll } from '$lib/server/generation/background';
import * as jobs from '$lib/server/generation/jobs';
import { raterFromToken } from '$lib/server/rating';

export const init: ServerInit = async () => {
	const database = await startDatabase();
	// Jobs of a previous server process that died are shown as interrupted, not as running.
	await jobs.markInterrupted(database.db);
	process.on('sveltekit:shutdown', () => {
		void stopAll().finally(() => stopDatabase());
	});
};

const session: Handle = async ({ event, resolve }) => {
	const sessionToken = event.cookies.get(SESSION_COOKIE);
	const raterToken = event.cookies.get(RATER_COOKIE);
	event.locals.coordinator = sessionToken ? await users.fromSession(db(), sessionToken) : null;
	event.locals.rater = raterToken ? await raterFromToken(db(), raterToken) : null;
	return resolve(event);
};

/**
 * The gate: decided on the route id, so it covers pages, form actions, data requests and
 * endpoints alike (a +layout.server.ts check would not cover endpoints or actions).
 */
const authorize: Handle = async ({ event, resolve }) => {
	const audience = audienceOf(event.route.id);
	if (audience === 'coordinator' && !event.locals.coordinator) {
		if (event.request.method === 'GET' && !event.url.pathname.startsWith('/api/'))
			redirect(303, `/login?next=${encodeURIComponent(event.url.pathname)}`);
		error(401, { message: 'Please sign in' });
	}
	if (audience === 'rater' && !event.locals.rater) {
		error(401, { message: t(localeOf(event), 'link.invalid') });
	}
	return resolve(event);
};

/** The rater's language where it matters (their choice, else the browser's), English elsewhere. */
function localeOf(event: RequestEvent): Locale {
	return localeFrom(event.cookies.get(LOCALE_COOKIE), event.request.headers.get('accept-language'));
}

const headers: Handle = async ({ event, resolve }) => {
	const lang = audienceOf(event.route.id) === 'coordinator' ? 'en' : localeOf(event);
	const response = await resolve(event, {
		transformPageChunk: ({ html }) => html.replace('%lang%', lang)
	});
	response.headers.set('x-content-type-options', 'nosniff');
	// same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on form posts,
	// which SvelteKit's CSRF check rightly refuses. Nothing is sent to other origins either way.
	response.headers.set('referrer-policy', 'same-origin');
	response.headers.set('x-frame-options', 'DENY');
	response.headers.set('cross-origin-opener-policy', 'same-origin');
	response.headers.set('permissions-policy', 'camera=(), microphone=(), geolocation=()');
	if (audienceOf(event.route.id) !== 'public') response.headers.set('cache-control', 'no-store');
	return response;
};

export const handle = sequence(session, authorize, headers);

export const handleError: HandleServerError = ({ error: e, event, status, message }) => {
	if (status === 404) return { message: 'Not found' };
	const errorId = randomUUID();
	console.error(`[${errorId}] ${event.request.method} ${event.route.id ?? event.url.pathname}`, e);
	return { message: status >= 500 ? 'Something went wrong on the server.' : message, errorId };
};
