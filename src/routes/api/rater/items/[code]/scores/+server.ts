import { error, json } from '@sveltejs/kit';
import { db } from '$lib/server/app-db';
import { asHttpError } from '$lib/server/http';
import * as rating from '$lib/server/rating';
import type { RequestHandler } from './$types';

/** Saves one score: PUT {"dimension": "diagnosis", "score": 3}. Idempotent. */
export const PUT: RequestHandler = async ({ locals, params, request }) => {
	let body: { dimension?: unknown; score?: unknown };
	try {
		body = await request.json();
	} catch {
		error(400, { message: 'Expected a JSON body {"dimension": …, "score": 1-4}' });
	}
	if (typeof body.dimension !== 'string') error(400, { message: 'dimension is required' });
	try {
		const result = await rating.saveScore(
			db(),
			locals.rater!,
			params.code,
			body.dimension,
			body.score
		);
		return json({ saved: true, changed: result.changed });
	} catch (e) {
		asHttpError(e);
	}
};
