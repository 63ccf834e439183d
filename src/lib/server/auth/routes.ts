/**
 * Who may use a route, decided from its route id (the route group) and the request method.
 * hooks.server.ts authorizes on this; tests/e2e/access/authorization.spec.ts walks the route tree
 * against it. Pure: no I/O, so it is unit-tested on its own (routes.test.ts).
 */
export type Audience = 'public' | 'rater' | 'coordinator';

/**
 * What a request needs: nothing, a rater's link, any signed-in user (`staff`: coordinator or
 * statistician) or a coordinator.
 */
export type Access = 'public' | 'rater' | 'staff' | 'coordinator';

export const SESSION_COOKIE = 'be_session';
export const RATER_COOKIE = 'be_rater';

/**
 * Pages and endpoints of the signed-in area that statisticians may read (GET only). Everything
 * else there, and every other method, is for coordinators: a new route is closed to
 * statisticians until it is listed here. Analysis and exports of rounds that are not unblinded
 * are refused to statisticians by the services (exports.ts, analysis.ts).
 */
const STATISTICIAN_READS = new Set([
	'/(coordinator)/studies',
	'/(coordinator)/studies/[slug]',
	'/(coordinator)/rounds/[id]',
	'/(coordinator)/rounds/[id]/analysis',
	'/(coordinator)/rounds/[id]/export/[file]',
	'/(coordinator)/rounds/[id]/analysis-plan',
	// polled by the study page while a generation job runs
	'/api/coordinator/studies/[slug]/generation'
]);

/** Writes every signed-in user may make: signing out. */
const STAFF_WRITES = new Set(['/(coordinator)/logout']);

export function audienceOf(routeId: string | null): Audience {
	if (!routeId) return 'public';
	if (routeId.startsWith('/(coordinator)') || routeId.startsWith('/api/coordinator'))
		return 'coordinator';
	if (routeId.startsWith('/(rater)/rate') || routeId.startsWith('/api/rater')) return 'rater';
	return 'public';
}

export function isReadMethod(method: string): boolean {
	return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}

export function accessOf(routeId: string | null, method: string): Access {
	const audience = audienceOf(routeId);
	if (audience !== 'coordinator') return audience;
	const id = routeId!;
	if (isReadMethod(method) ? STATISTICIAN_READS.has(id) : STAFF_WRITES.has(id)) return 'staff';
	return 'coordinator';
}
