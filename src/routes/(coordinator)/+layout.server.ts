import { canChangeRound, canChangeStudy, mayUseRoute } from '$lib/server/auth/access';
import { accessOf } from '$lib/server/auth/routes';
import type { LayoutServerLoad } from './$types';

/**
 * The signed-in user, for the header, and what the pages may offer them (auth/access.ts): pages
 * hide what a statistician may not do; the gate in hooks.server.ts refuses it either way.
 */
export const load: LayoutServerLoad = ({ locals }) => {
	const user = locals.coordinator!;
	const { name, email, role } = user;
	return {
		user: {
			name,
			email,
			role,
			canChangeRound: canChangeRound(user),
			canChangeStudy: canChangeStudy(user),
			// the header links to the audit log and the accounts when the gate would let the user in
			canOpenAuditAndAccounts: ['/(coordinator)/audit', '/(coordinator)/users'].every((id) =>
				mayUseRoute(accessOf(id, 'GET'), user)
			)
		}
	};
};
