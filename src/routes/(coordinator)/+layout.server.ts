import type { LayoutServerLoad } from './$types';

/**
 * The signed-in user, for the header and for pages that hide what a statistician may not do
 * (`page.data.user.role`); the gate in hooks.server.ts refuses it either way.
 */
export const load: LayoutServerLoad = ({ locals }) => {
	const { name, email, role } = locals.coordinator!;
	return { user: { name, email, role } };
};
