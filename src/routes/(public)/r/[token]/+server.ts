import { error, redirect } from '@sveltejs/kit';
import { db } from '$lib/server/app-db';
import { RATER_COOKIE } from '$lib/server/auth/routes';
import { raterFromToken } from '$lib/server/rating';
import type { RequestHandler } from './$types';

/**
 * A rater's personal link: checks the token, keeps it in an httpOnly cookie and moves on to a
 * URL without the token, so it does not linger in history, screenshots or Referer headers.
 */
export const GET: RequestHandler = async ({ params, cookies, url }) => {
	const rater = await raterFromToken(db(), params.token);
	if (!rater) error(404, { message: 'This rating link is not valid (it may have been replaced).' });
	cookies.set(RATER_COOKIE, params.token, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure: url.protocol === 'https:',
		maxAge: 60 * 60 * 24 * 180
	});
	redirect(303, '/rate');
};
