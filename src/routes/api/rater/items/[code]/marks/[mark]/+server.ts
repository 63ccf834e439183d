import { json } from '@sveltejs/kit';
import { db } from '$lib/server/app-db';
import * as rating from '$lib/server/rating';
import { raterError, raterLocale, readBody } from '../../rater-api';
import type { RequestHandler } from './$types';

/** Changes one of the rater's marks: PUT with the whole mark, as for POST …/marks. Idempotent. */
export const PUT: RequestHandler = async (event) => {
	const locale = raterLocale(event);
	const body = await readBody(event.request, event.locals.rater!, locale);
	try {
		const { locals, params } = event;
		const result = await rating.saveMark(db(), locals.rater!, params.code, params.mark, body, true);
		return json({ saved: true, ...result });
	} catch (e) {
		raterError(e, locale);
	}
};

/** Deletes one of the rater's marks: DELETE {} (or {"rater": "<pseudonym>"}). Idempotent. */
export const DELETE: RequestHandler = async (event) => {
	const locale = raterLocale(event);
	await readBody(event.request, event.locals.rater!, locale);
	try {
		const { locals, params } = event;
		const result = await rating.deleteMark(db(), locals.rater!, params.code, params.mark);
		return json({ saved: true, ...result });
	} catch (e) {
		raterError(e, locale);
	}
};
