import { redirect } from '@sveltejs/kit';
import { db } from '$lib/server/app-db';
import { SESSION_COOKIE } from '$lib/server/auth/routes';
import * as users from '$lib/server/auth/users';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async ({ cookies }) => {
	const token = cookies.get(SESSION_COOKIE);
	if (token) await users.signOut(db(), token);
	cookies.delete(SESSION_COOKIE, { path: '/' });
	redirect(303, '/login');
};
