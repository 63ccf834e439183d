import { fail, redirect } from '@sveltejs/kit';
import { safeRedirect } from '$lib/domain/safe-redirect';
import { db } from '$lib/server/app-db';
import { attempt, limitedMessage } from '$lib/server/auth/login';
import { SESSION_COOKIE } from '$lib/server/auth/routes';
import * as users from '$lib/server/auth/users';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ url }) => ({
	setupNeeded: await users.needsSetup(db()),
	setupDone: url.searchParams.has('setup')
});

export const actions: Actions = {
	default: async ({ request, cookies, url, getClientAddress }) => {
		const form = await request.formData();
		const email = String(form.get('email') ?? '');
		const password = String(form.get('password') ?? '');
		const result = await attempt(db(), { email, password, ip: getClientAddress() });
		if (result.status === 'limited')
			return fail(429, { email, error: limitedMessage(result.seconds) });
		if (result.status === 'wrong')
			return fail(400, { email, error: 'Email or password is wrong.' });
		cookies.set(SESSION_COOKIE, result.token, {
			path: '/',
			httpOnly: true,
			sameSite: 'strict',
			secure: url.protocol === 'https:',
			maxAge: users.SESSION_DAYS * 86_400
		});
		redirect(303, safeRedirect(url.searchParams.get('next'), url.origin, '/studies'));
	}
};
