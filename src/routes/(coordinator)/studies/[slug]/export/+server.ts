import { db } from '$lib/server/app-db';
import { asHttpError } from '$lib/server/http';
import { studyArchive } from '$lib/server/studies/study-folder';
import type { RequestHandler } from './$types';

/** The study as a studies/<slug>/ folder in a tar archive (unpack it inside studies/). */
export const GET: RequestHandler = async ({ params }) => {
	try {
		const tar = await studyArchive(db(), params.slug);
		return new Response(tar, {
			headers: {
				'content-type': 'application/x-tar',
				'content-disposition': `attachment; filename="${params.slug}.tar"`
			}
		});
	} catch (e) {
		asHttpError(e);
	}
};
