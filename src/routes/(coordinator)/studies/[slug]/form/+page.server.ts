import { db } from '$lib/server/app-db';
import { asFailure, asHttpError } from '$lib/server/http';
import * as studies from '$lib/server/studies/queries';
import * as setup from '$lib/server/studies/setup';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params }) => {
	try {
		const study = await studies.bySlug(db(), params.slug);
		return {
			study: { slug: study.slug, name: study.name },
			form: study.form,
			editable: await setup.formEditable(db(), study.id)
		};
	} catch (e) {
		asHttpError(e);
	}
};

export const actions: Actions = {
	default: async ({ params, request, locals }) => {
		const body = await request.formData();
		try {
			const form: unknown = JSON.parse(String(body.get('form') ?? 'null'));
			await setup.saveForm(db(), locals.coordinator!, params.slug, form);
			return { saved: true };
		} catch (e) {
			return asFailure(e instanceof SyntaxError ? new Error('The form data is not JSON') : e);
		}
	}
};
