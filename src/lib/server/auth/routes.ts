/**
 * Which audience a route belongs to, from its route id (the route group). hooks.server.ts
 * authorizes on this; the authorization tests enumerate the route tree against it.
 */
export type Audience = 'public' | 'rater' | 'coordinator';

export const SESSION_COOKIE = 'be_session';
export const RATER_COOKIE = 'be_rater';

export function audienceOf(routeId: string | null): Audience {
	if (!routeId) return 'public';
	if (routeId.startsWith('/(coordinator)') || routeId.startsWith('/api/coordinator'))
		return 'coordinator';
	if (routeId.startsWith('/(rater)/rate') || routeId.startsWith('/api/rater')) return 'rater';
	return 'public';
}
