import { db } from '$lib/server/app-db';
import * as studies from '$lib/server/studies/queries';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async () => ({
	studies: (await studies.list(db())).map((s) => ({
		slug: s.slug,
		name: s.name,
		description: s.description
	}))
});
