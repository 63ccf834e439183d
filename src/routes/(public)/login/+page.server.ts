import { fail, redirect } from '@sveltejs/kit';
import { db } from '$lib/server/app-db';
import { SESSION_COOKIE } from '$lib/server/auth/routes';
import * as users from '$lib/server/auth/users';
import type { Actions } from './$types';

export const actions: Actions = {
	default: async ({ request, cookies, url }) => {
		const form = await request.formData();
		const email = String(form.get('email') ?? '');
		const token = await users.signIn(db(), email, String(form.get('password') ?? ''));
		if (!token) return fail(400, { email, error: 'Email or password is wrong.' });
		cookies.set(SESSION_COOKIE, token, {
			path: '/',
			httpOnly: true,
			sameSite: 'strict',
			secure: url.protocol === 'https:',
			maxAge: users.SESSION_DAYS * 86_400
		});
		const next = url.searchParams.get('next');
		redirect(303, next?.startsWith('/') && !next.startsWith('//') ? next : '/studies');
	}
};
