import { parseAuditQuery } from '$lib/domain/audit-query';
import { db } from '$lib/server/app-db';
import * as auditLog from '$lib/server/audit/query';
import { asHttpError, streamResponse } from '$lib/server/http';
import type { RequestHandler } from './$types';

/** The filtered audit log as CSV, streamed (the page's filter fields; any cursor is ignored). */
export const GET: RequestHandler = ({ url, locals }) => {
	try {
		const { filter } = parseAuditQuery(url.searchParams);
		const out = auditLog.csvStream(db(), locals.coordinator!, filter);
		return streamResponse(out.chunks, out.contentType, out.filename);
	} catch (e) {
		asHttpError(e);
	}
};
