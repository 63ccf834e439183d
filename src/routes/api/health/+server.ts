import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

/**
 * Liveness for a proxy or a monitor: the server process answers. Touches no database on
 * purpose, so the load benchmark (tests/bench/rating-day.ts) can use it as the trivial
 * endpoint that every other request of the same server is measured against.
 */
export const GET: RequestHandler = () => json({ status: 'ok' });
