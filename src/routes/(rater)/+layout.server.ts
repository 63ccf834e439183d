import { LOCALE_COOKIE, localeFrom } from '$lib/i18n/messages';
import type { LayoutServerLoad } from './$types';

/**
 * The rater's language (their remembered choice, else their browser's Accept-Language), and
 * their pseudonym: the page tags what it saves with it (see src/lib/rater/score-saver.svelte.ts).
 */
export const load: LayoutServerLoad = ({ cookies, request, locals }) => ({
	locale: localeFrom(cookies.get(LOCALE_COOKIE), request.headers.get('accept-language')),
	rater: locals.rater!.pseudonym
});
