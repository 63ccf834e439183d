import { json } from '@sveltejs/kit';
import { db } from '$lib/server/app-db';
import * as rating from '$lib/server/rating';
import { raterError, raterLocale, readBody } from '../rater-api';
import type { RequestHandler } from './$types';

/**
 * Adds visible time: POST {"seconds": 15}. Also sent by navigator.sendBeacon on pagehide, as
 * text/plain: SvelteKit's CSRF check lets that through only with this site's own Origin header,
 * which a beacon from the rater's page carries.
 */
export const POST: RequestHandler = async (event) => {
	const locale = raterLocale(event);
	const body = await readBody(event.request, event.locals.rater!, locale);
	try {
		const result = await rating.addTime(db(), event.locals.rater!, event.params.code, body.seconds);
		return json(result);
	} catch (e) {
		raterError(e, locale);
	}
};
