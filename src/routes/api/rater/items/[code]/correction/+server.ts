import { json } from '@sveltejs/kit';
import { db } from '$lib/server/app-db';
import * as rating from '$lib/server/rating';
import { raterError, raterLocale, readBody } from '../rater-api';
import type { RequestHandler } from './$types';

/** Saves the corrected letter: PUT {"body": "…"}; an empty body deletes it. Idempotent. */
export const PUT: RequestHandler = async (event) => {
	const locale = raterLocale(event);
	const body = await readBody(event.request, event.locals.rater!, locale);
	try {
		const result = await rating.saveCorrection(
			db(),
			event.locals.rater!,
			event.params.code,
			body.body
		);
		return json({ saved: true, changed: result.changed });
	} catch (e) {
		raterError(e, locale);
	}
};
