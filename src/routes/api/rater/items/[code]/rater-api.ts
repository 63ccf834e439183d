/**
 * Shared by the rater's item endpoints: the rater's language, the JSON body (also as sent by
 * navigator.sendBeacon, which can only send text/plain), the check that the page sending it
 * belongs to the rater whose link the browser holds now, and typed service errors turned into
 * HTTP errors whose message the rater can read in their language.
 */
import { error, type Cookies } from '@sveltejs/kit';
import type { RaterActor } from '$lib/server/auth/actors';
import { ConflictError, NotFoundError, ValidationError } from '$lib/errors';
import { LOCALE_COOKIE, localeFrom, t, type Locale } from '$lib/i18n/messages';

export function raterLocale(event: { cookies: Cookies; request: Request }): Locale {
	return localeFrom(event.cookies.get(LOCALE_COOKIE), event.request.headers.get('accept-language'));
}

/**
 * The request body as a JSON object, whatever content type it was sent with. Its optional
 * `rater` (the pseudonym of the page's rater) must match the browser's current rater: on a
 * shared workstation another rater may have opened their link since the page was loaded, and
 * the change must not be saved as theirs (403; the page keeps it for its own rater).
 */
export async function readBody(
	request: Request,
	rater: RaterActor,
	locale: Locale
): Promise<Record<string, unknown>> {
	let body: unknown;
	try {
		body = JSON.parse(await request.text());
	} catch {
		body = undefined; // not JSON: refused just below, like any other malformed body
	}
	if (body === null || typeof body !== 'object' || Array.isArray(body))
		error(400, { message: t(locale, 'error.badRequest') });
	const sender = (body as { rater?: unknown }).rater;
	if (sender !== undefined && sender !== rater.pseudonym)
		error(403, { message: t(locale, 'link.otherRater') });
	return body as Record<string, unknown>;
}

/** Rethrows a typed service error as an HTTP error in the rater's language; others unchanged. */
export function raterError(e: unknown, locale: Locale): never {
	if (e instanceof NotFoundError) error(404, { message: t(locale, 'error.itemNotFound') });
	if (e instanceof ConflictError) error(409, { message: t(locale, 'round.lockedChange') });
	if (e instanceof ValidationError)
		// The fields name what was refused (a score off its dimension's scale says which scores
		// are on it), in the service's words; nothing of a comment or letter is in them.
		error(400, {
			message: t(locale, 'error.badRequest'),
			issues: e.issues.map(({ field, message }) => ({ field, message }))
		});
	throw e;
}
