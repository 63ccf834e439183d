import { db } from '$lib/server/app-db';
import { anyRoundAnalysis } from '$lib/server/round-analysis';
import { asHttpError } from '$lib/server/http';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params, locals }) => {
	try {
		return {
			...(await anyRoundAnalysis(db(), locals.coordinator!, params.id)),
			roundId: params.id
		};
	} catch (e) {
		asHttpError(e);
	}
};
