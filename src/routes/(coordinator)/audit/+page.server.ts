import { parseAuditQuery, withCursor } from '$lib/domain/audit-query';
import { db } from '$lib/server/app-db';
import * as auditLog from '$lib/server/audit/query';
import { asHttpError } from '$lib/server/http';
import type { PageServerLoad } from './$types';

/** The audit log, filtered by the GET form's fields (see README, "Audit trail"). */
export const load: PageServerLoad = async ({ url, locals }) => {
	try {
		const { filter, cursor, limit } = parseAuditQuery(url.searchParams);
		const actor = locals.coordinator!;
		const page = await auditLog.list(db(), actor, filter, cursor, limit);
		return {
			...page,
			newer: page.newer && withCursor(url.searchParams, page.newer),
			older: page.older && withCursor(url.searchParams, page.older),
			csv: `/audit/csv${withCursor(url.searchParams, null)}`,
			choices: await auditLog.choices(db(), actor),
			values: Object.fromEntries(url.searchParams)
		};
	} catch (e) {
		asHttpError(e);
	}
};
