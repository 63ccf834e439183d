import { fail } from '@sveltejs/kit';
import { db } from '$lib/server/app-db';
import * as users from '$lib/server/auth/users';
import { asFailure, asHttpError } from '$lib/server/http';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	try {
		const accounts = await users.list(db(), locals.coordinator!);
		return { accounts, minLength: users.MIN_PASSWORD_LENGTH };
	} catch (e) {
		asHttpError(e);
	}
};

export const actions: Actions = {
	create: async ({ request, locals }) => {
		const form = await request.formData();
		const values = {
			name: String(form.get('name') ?? ''),
			email: String(form.get('email') ?? ''),
			role: String(form.get('role') ?? '')
		};
		try {
			const user = await users.create(db(), locals.coordinator!, {
				...values,
				role: values.role as users.Role,
				password: String(form.get('password') ?? '')
			});
			return { created: { email: user.email, role: user.role } };
		} catch (e) {
			const failure = asFailure(e);
			return fail(failure.status, { ...failure.data, values });
		}
	}
};
