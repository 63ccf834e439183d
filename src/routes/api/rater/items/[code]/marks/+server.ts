import { json } from '@sveltejs/kit';
import { db } from '$lib/server/app-db';
import * as rating from '$lib/server/rating';
import { raterError, raterLocale, readBody } from '../rater-api';
import type { RequestHandler } from './$types';

/** The rater's own error marks on this letter: {"marks": [...]}. */
export const GET: RequestHandler = async (event) => {
	const locale = raterLocale(event);
	try {
		return json({ marks: await rating.listMarks(db(), event.locals.rater!, event.params.code) });
	} catch (e) {
		raterError(e, locale);
	}
};

/**
 * Creates a mark: POST {"id": "<uuid chosen by the page>", "kind": "span", "start": 10, "end": 24,
 * "quote": "…", "category": "wrong_dose", "note": "", "harmExtent": 2, "harmLikelihood": 1}, or
 * {"kind": "omission", "field": "radiotherapy.end_date", …}. Sent again, it changes nothing.
 */
export const POST: RequestHandler = async (event) => {
	const locale = raterLocale(event);
	const body = await readBody(event.request, event.locals.rater!, locale);
	try {
		const { locals, params } = event;
		const result = await rating.saveMark(db(), locals.rater!, params.code, body.id, body);
		return json({ saved: true, ...result });
	} catch (e) {
		raterError(e, locale);
	}
};
