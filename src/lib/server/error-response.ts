/**
 * Responses the hooks make themselves (refused, too large, not signed in), shaped like the ones
 * SvelteKit makes: JSON for API calls, data requests and enhanced form posts; a small HTML page
 * for a browser's navigation. hooks.server.ts adds the security headers to them like to any other.
 */
import { json, type RequestEvent } from '@sveltejs/kit';

function wantsJson(event: RequestEvent): boolean {
	const accept = event.request.headers.get('accept') ?? '';
	return (
		event.isDataRequest ||
		event.url.pathname.startsWith('/api/') ||
		(accept.includes('application/json') && !accept.includes('text/html'))
	);
}

/** An enhanced form post (use:enhance sends Accept: application/json) to a page, not an API. */
function isActionRequest(event: RequestEvent): boolean {
	return event.request.method === 'POST' && !event.url.pathname.startsWith('/api/');
}

export function errorResponse(
	event: RequestEvent,
	status: number,
	message: string,
	lang = 'en'
): Response {
	if (wantsJson(event)) {
		// use:enhance reads {type: 'error', error} as an ActionResult and shows the error page.
		const body =
			isActionRequest(event) && !event.isDataRequest
				? { type: 'error', error: { message } }
				: { message };
		return json(body, { status });
	}
	const text = escapeHtml(message);
	const html = `<!doctype html>
<html lang="${escapeHtml(lang)}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${status} · blindeval</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">
<h1>${TITLES[status] ?? 'Something went wrong'}</h1>
<p>${text}</p>
<p><a href="/">blindeval</a></p>
</body>
</html>
`;
	return new Response(html, { status, headers: { 'content-type': 'text/html; charset=utf-8' } });
}

/** A redirect; a data request (client-side navigation) gets it as SvelteKit's JSON node. */
export function redirectResponse(event: RequestEvent, status: number, location: string): Response {
	if (event.isDataRequest) return json({ type: 'redirect', location });
	return new Response(null, { status, headers: { location } });
}

const TITLES: Record<number, string> = {
	401: 'Sign-in needed',
	403: 'Not allowed',
	404: 'Not found',
	413: 'Too large',
	429: 'Too many attempts'
};

function escapeHtml(s: string): string {
	return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
