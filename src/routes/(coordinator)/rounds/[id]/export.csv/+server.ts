import { db } from '$lib/server/app-db';
import * as exportsService from '$lib/server/exports';
import { asHttpError } from '$lib/server/http';
import type { RequestHandler } from './$types';

/** The long-format ratings export: one row per rating (see README, "Exports"). */
export const GET: RequestHandler = async ({ params, locals }) => {
	try {
		const csv = await exportsService.longCsv(db(), locals.coordinator!, params.id);
		return new Response(csv, {
			headers: {
				'content-type': 'text/csv; charset=utf-8',
				'content-disposition': `attachment; filename="ratings-${params.id}.csv"`
			}
		});
	} catch (e) {
		asHttpError(e);
	}
};
