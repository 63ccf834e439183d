import { db } from '$lib/server/app-db';
import * as analysisPlans from '$lib/server/analysis-plans';
import { asHttpError } from '$lib/server/http';
import type { RequestHandler } from './$types';

/** The locked plan for an OSF-style registration: its canonical JSON hashes to the audited SHA-256. */
export const GET: RequestHandler = async ({ params, locals }) => {
	try {
		const { text, sha256 } = await analysisPlans.exportLocked(db(), locals.coordinator!, params.id);
		return new Response(text, {
			headers: {
				'content-type': 'application/json; charset=utf-8',
				'content-disposition': `attachment; filename="analysis-plan-${sha256.slice(0, 12)}.json"`,
				'x-plan-sha256': sha256
			}
		});
	} catch (e) {
		asHttpError(e);
	}
};
