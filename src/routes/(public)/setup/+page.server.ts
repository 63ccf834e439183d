import { fail, redirect } from '@sveltejs/kit';
import { db } from '$lib/server/app-db';
import * as users from '$lib/server/auth/users';
import { asFailure } from '$lib/server/http';
import type { Actions, PageServerLoad } from './$types';

/** First-run set-up: open only while no account exists, then gone (to the sign-in page). */
export const load: PageServerLoad = async () => {
	if (!(await users.needsSetup(db()))) redirect(303, '/login');
	return { minLength: users.MIN_PASSWORD_LENGTH };
};

export const actions: Actions = {
	default: async ({ request }) => {
		const form = await request.formData();
		const values = { name: String(form.get('name') ?? ''), email: String(form.get('email') ?? '') };
		try {
			await users.createFirst(db(), {
				...values,
				password: String(form.get('password') ?? ''),
				confirm: String(form.get('confirm') ?? '')
			});
		} catch (e) {
			const failure = asFailure(e);
			return fail(failure.status, { ...failure.data, values });
		}
		redirect(303, '/login?setup=done');
	}
};
