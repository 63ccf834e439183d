import { error } from '@sveltejs/kit';
import { db } from '$lib/server/app-db';
import { exportStream, type ExportFormat } from '$lib/server/exports';
import { asHttpError, streamResponse } from '$lib/server/http';
import type { RequestHandler } from './$types';

const FILES: Record<string, ExportFormat> = {
	'long.csv': 'long',
	'wide.csv': 'wide',
	'ratings.json': 'json',
	'codebook.csv': 'codebook'
};

/** Streamed exports of a round (see README, "Exports"). */
export const GET: RequestHandler = async ({ params, locals }) => {
	const format = FILES[params.file];
	if (!format) error(404, { message: 'Not found' });
	try {
		const out = await exportStream(db(), locals.coordinator!, params.id, format);
		return streamResponse(out.chunks, out.contentType, out.filename);
	} catch (e) {
		asHttpError(e);
	}
};
