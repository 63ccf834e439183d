import { randomBytes } from 'node:crypto';
import { redirect } from '@sveltejs/kit';
import { db } from '$lib/server/app-db';
import { asFailure } from '$lib/server/http';
import * as setup from '$lib/server/studies/setup';
import type { Actions, PageServerLoad } from './$types';

// A random seed by default: it drives every rater's order, so it should not be guessable.
export const load: PageServerLoad = () => ({ seed: randomBytes(9).toString('base64url') });

export const actions: Actions = {
	default: async ({ request, locals }) => {
		const form = Object.fromEntries(await request.formData());
		let slug: string;
		try {
			slug = (await setup.create(db(), locals.coordinator!, form)).slug;
		} catch (e) {
			return asFailure(e);
		}
		redirect(303, `/studies/${slug}/setup`);
	}
};
