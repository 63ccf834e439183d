/**
 * The security headers every response carries. Plain JavaScript because server.js (the
 * production entry, run by node as is) sets them on every response before SvelteKit answers,
 * and hooks.server.ts sets them again on everything the app produces (also under `vite dev`).
 */

/**
 * The Content-Security-Policy of responses that are not SvelteKit pages (endpoints, redirects,
 * errors, static files). Pages get their own policy with script hashes (svelte.config.js).
 */
export const FALLBACK_CSP =
	"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; " +
	"frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/** @type {Readonly<Record<string, string>>} */
export const SECURITY_HEADERS = {
	'x-content-type-options': 'nosniff',
	// same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on form posts,
	// which SvelteKit's CSRF check rightly refuses. Nothing is sent to other origins either way.
	'referrer-policy': 'same-origin',
	'x-frame-options': 'DENY',
	'cross-origin-opener-policy': 'same-origin',
	'cross-origin-resource-policy': 'same-origin',
	'permissions-policy': 'camera=(), microphone=(), geolocation=()'
};
