import { db } from '$lib/server/app-db';
import { roundAnalysis } from '$lib/server/analysis';
import { asHttpError } from '$lib/server/http';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params, locals }) => {
	try {
		return { ...(await roundAnalysis(db(), locals.coordinator!, params.id)), roundId: params.id };
	} catch (e) {
		asHttpError(e);
	}
};
