import { json } from '@sveltejs/kit';
import { db } from '$lib/server/app-db';
import { generationView } from '$lib/server/generation/view';
import { asHttpError } from '$lib/server/http';
import type { RequestHandler } from './$types';

/** Live generation progress of a study, polled by the study page while a job runs. */
export const GET: RequestHandler = async ({ params }) => {
	try {
		return json(await generationView(db(), params.slug));
	} catch (e) {
		asHttpError(e);
	}
};
