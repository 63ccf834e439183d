import { describe, expect, it } from 'vitest';
import { accessOf, type Access } from './routes';

/** [route id, method, what it needs]; the full route tree is walked by the e2e matrix. */
const CASES: [string | null, string, Access][] = [
	// public routes and unknown paths: everyone
	[null, 'POST', 'public'],
	['/(public)/login', 'POST', 'public'],
	['/(public)/r/[token]', 'GET', 'public'],
	// rater pages and endpoints: a rater link
	['/(rater)/rate/[code]', 'GET', 'rater'],
	['/api/rater/items/[code]/scores', 'PUT', 'rater'],
	// statisticians read the listed pages and write nothing but signing out
	['/(coordinator)/rounds/[id]/analysis', 'GET', 'staff'],
	['/(coordinator)/rounds/[id]', 'HEAD', 'staff'],
	['/(coordinator)/rounds/[id]', 'POST', 'coordinator'],
	['/(coordinator)/studies/[slug]', 'POST', 'coordinator'],
	['/(coordinator)/users', 'GET', 'coordinator'],
	['/(coordinator)/logout', 'POST', 'staff'],
	// a new route is closed to statisticians until it is listed
	['/(coordinator)/something-new', 'GET', 'coordinator'],
	['/api/coordinator/anything', 'DELETE', 'coordinator']
];

describe('accessOf', () => {
	it.each(CASES)('%s %s needs %s', (routeId, method, expected) => {
		expect(accessOf(routeId, method)).toBe(expected);
	});
});
