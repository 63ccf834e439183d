import { db } from '$lib/server/app-db';
import { asHttpError } from '$lib/server/http';
import * as rating from '$lib/server/rating';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => {
	try {
		const item = await rating.item(db(), locals.rater!, params.code);
		// The rater's error marks, when the form asks for them (LetterMarks).
		const marks =
			item.kind === 'absolute' && item.form.marks
				? await rating.listMarks(db(), locals.rater!, params.code)
				: [];
		return { item, marks };
	} catch (e) {
		asHttpError(e);
	}
};
