/**
 * The production server (`npm start`, `npm run demo`, the e2e server): adapter-node's own server
 * (build/index.js, with its graceful shutdown) and defaults that need no environment:
 *
 * - BODY_SIZE_LIMIT=Infinity unless set. The app limits request bodies per route itself
 *   (src/lib/server/body-limit.ts) with a clear 413; adapter-node's 512K default would refuse
 *   study uploads with a bare "Bad Request" before the app sees them.
 * - Plain http when ORIGIN is not set. adapter-node then takes the origin from the request's
 *   Host and assumes https, so every form post over http (the demo, a closed clinic network)
 *   failed SvelteKit's CSRF check. This server speaks plain http, so it says so through a
 *   protocol header that it sets itself on every request (clients cannot choose it). Behind a
 *   TLS proxy set ORIGIN (docs/security.md).
 * - The security headers on every response, also on those made before the app's hooks run
 *   (static files, SvelteKit's CSRF refusal). Headers the app sets replace these.
 */
import { FALLBACK_CSP, SECURITY_HEADERS } from './src/lib/server/security-headers.js';

const PROTOCOL_HEADER = 'x-blindeval-server-protocol';
const plainHttp = !process.env.ORIGIN && !process.env.PROTOCOL_HEADER;

process.env.BODY_SIZE_LIMIT ??= 'Infinity';
if (plainHttp) process.env.PROTOCOL_HEADER = PROTOCOL_HEADER;

const { server } = await import('./build/index.js');

server.server.prependListener('request', (req, res) => {
	if (plainHttp) req.headers[PROTOCOL_HEADER] = 'http';
	for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
	res.setHeader('content-security-policy', FALLBACK_CSP);
});
