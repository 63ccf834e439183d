import { json } from '@sveltejs/kit';
import { db } from '$lib/server/app-db';
import * as rating from '$lib/server/rating';
import { raterError, raterLocale, readBody } from '../rater-api';
import type { RequestHandler } from './$types';

/**
 * Saves one comment: PUT {"dimension": "diagnosis", "body": "…"}; dimension '' is the overall
 * comment, an empty body deletes it. Idempotent.
 */
export const PUT: RequestHandler = async (event) => {
	const locale = raterLocale(event);
	const body = await readBody(event.request, event.locals.rater!, locale);
	try {
		const { locals, params } = event;
		const result = await rating.saveComment(
			db(),
			locals.rater!,
			params.code,
			body.dimension,
			body.body
		);
		return json({ saved: true, changed: result.changed });
	} catch (e) {
		raterError(e, locale);
	}
};
