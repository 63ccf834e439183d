/**
 * The production server (`npm start`, `npm run demo`, the e2e server): adapter-node's own server
 * (build/index.js, with its graceful shutdown) and two defaults that need no environment:
 *
 * - BODY_SIZE_LIMIT=Infinity unless set. The app limits request bodies per route itself
 *   (src/lib/server/body-limit.ts) with a clear 413; adapter-node's 512K default would refuse
 *   study uploads with a bare "Bad Request" before the app sees them.
 * - The security headers on every response, also on those made before the app's hooks run
 *   (static files, SvelteKit's CSRF refusal). Headers the app sets replace these.
 */
import { FALLBACK_CSP, SECURITY_HEADERS } from './src/lib/server/security-headers.js';

process.env.BODY_SIZE_LIMIT ??= 'Infinity';

const { server } = await import('./build/index.js');

server.server.prependListener('request', (_req, res) => {
	for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
	res.setHeader('content-security-policy', FALLBACK_CSP);
});
