import { db } from '$lib/server/app-db';
import { asHttpError } from '$lib/server/http';
import * as rating from '$lib/server/rating';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	try {
		return { item: await rating.item(db(), locals.rater!, params.code) };
	} catch (e) {
		asHttpError(e);
	}
};
