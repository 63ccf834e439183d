import { describe, expect, it } from 'vitest';
import { safeRedirect } from './safe-redirect';

const ORIGIN = 'https://blindeval.clinic.local';
const go = (next: string | null | undefined) => safeRedirect(next, ORIGIN, '/studies');

describe('safeRedirect', () => {
	it('keeps paths of the app, with their query and fragment', () => {
		expect(go('/studies')).toBe('/studies');
		expect(go('/rounds/4f2a?tab=raters#progress')).toBe('/rounds/4f2a?tab=raters#progress');
		expect(go('/studies/caf%C3%A9')).toBe('/studies/caf%C3%A9');
		expect(go('/audit?q=50%25')).toBe('/audit?q=50%25');
		expect(go('/')).toBe('/');
	});

	it('falls back when there is nothing to go to', () => {
		expect(go(null)).toBe('/studies');
		expect(go(undefined)).toBe('/studies');
		expect(go('')).toBe('/studies');
	});

	// What the query string yields after URLSearchParams decoded it once (the review's payloads
	// `/login?next=/%5Cevil.example/phish` and `/login?next=/%09/evil.example` arrive as these).
	it.each([
		['/\\evil.example/phish'],
		['/\t/evil.example'],
		['/\n/evil.example'],
		['/\r/evil.example'],
		['/\u0000/evil.example'],
		['/\u007f/evil.example'],
		['//evil'],
		['//evil.example/phish'],
		['/\\\\evil'],
		['\\\\evil'],
		['https://evil'],
		['https://evil.example/phish'],
		['http://blindeval.clinic.local/studies'], // another scheme is another origin
		['//blindeval.clinic.local@evil.example'],
		['javascript:alert(1)'],
		['evil.example'],
		[' /studies']
	])('refuses %j', (next) => {
		expect(go(next)).toBe('/studies');
	});

	// The same payloads still percent-encoded (a link encoded twice, or a router that decodes).
	it.each([
		['/%5Cevil.example/phish'],
		['/%5cevil.example/phish'],
		['/%09/evil.example'],
		['/%0a/evil.example'],
		['/%0D/evil.example'],
		['/%00/evil.example'],
		['/%7F/evil.example'],
		['/%2F/evil.example'],
		['/%2f%2fevil'],
		['/%255Cevil.example/phish'],
		['/%2509/evil.example'],
		['/%25255C/evil.example'],
		['/studies?next=%5C'],
		['/studies#%09']
	])('refuses the encoded %j', (next) => {
		expect(go(next)).toBe('/studies');
	});

	it('refuses paths encoded more deeply than it decodes', () => {
		expect(go('/%2525252525255C')).toBe('/studies');
	});

	it('uses the origin it is given', () => {
		expect(safeRedirect('/x', 'http://127.0.0.1:4173', '/home')).toBe('/x');
		expect(safeRedirect('//127.0.0.1:4173/x', 'http://127.0.0.1:4173', '/home')).toBe('/home');
	});
});
