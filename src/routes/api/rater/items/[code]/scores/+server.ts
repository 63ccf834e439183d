import { json } from '@sveltejs/kit';
import { db } from '$lib/server/app-db';
import * as rating from '$lib/server/rating';
import { raterError, raterLocale, readBody } from '../rater-api';
import type { RequestHandler } from './$types';

/** Saves one score: PUT {"dimension": "diagnosis", "score": 3}. Idempotent. */
export const PUT: RequestHandler = async (event) => {
	const locale = raterLocale(event);
	const body = await readBody(event.request, event.locals.rater!, locale);
	try {
		const { locals, params } = event;
		const result = await rating.saveScore(
			db(),
			locals.rater!,
			params.code,
			String(body.dimension ?? ''),
			body.score
		);
		return json({ saved: true, changed: result.changed });
	} catch (e) {
		raterError(e, locale);
	}
};
