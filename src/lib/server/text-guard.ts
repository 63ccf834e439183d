/**
 * Text the database cannot store (NUL, unpaired surrogates: domain/text-input.ts), refused at
 * the door for every route: a route parameter holding it, or a path that does not decode,
 * names nothing that exists (404); a query parameter or a field of a form or JSON body holding
 * it is a 400 that names the field.
 * Without this the text reaches a query, PostgreSQL refuses it, and the request ends in a 500.
 */
import type { RequestEvent } from '@sveltejs/kit';
import { findUnstorable, safeName, unstorableText } from '../domain/text-input';

export interface Refusal {
	status: 400 | 404;
	message: string;
}

const NOT_FOUND: Refusal = { status: 404, message: 'Not found' };
const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];

function fieldRefusal(kind: string, name: string, message: string): Refusal {
	return { status: 400, message: `${kind} "${safeName(name)}" ${message}.` };
}

/** The body's text fields: form fields (files are checked by their importers, by line), or JSON. */
async function bodyRefusal(request: Request): Promise<Refusal | null> {
	const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
	const copy = request.clone();
	if (FORM_TYPES.includes(type)) {
		let form: FormData;
		try {
			form = await copy.formData();
		} catch {
			return null; // malformed: the action reads it and refuses it itself
		}
		for (const [name, value] of form) {
			const bad = unstorableText(name);
			if (bad) return fieldRefusal('Field', name, `name ${bad}`);
			if (typeof value === 'string') {
				const message = unstorableText(value);
				if (message) return fieldRefusal('Field', name, message);
			}
		}
		return null;
	}
	// JSON, also sent as text/plain (navigator.sendBeacon); other text is checked whole.
	const text = await copy.text();
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		// Not JSON: checked as plain text instead; a route that needs JSON refuses it itself.
		const message = unstorableText(text);
		return message ? { status: 400, message: `The request body ${message}.` } : null;
	}
	const bad = findUnstorable(value);
	if (!bad) return null;
	return bad.field === ''
		? { status: 400, message: `The request body ${bad.message}.` }
		: fieldRefusal('Field', bad.field, bad.message);
}

/** Why the request is refused before any route sees it, or null to let it through. */
export async function unstorableInput(event: RequestEvent): Promise<Refusal | null> {
	// A malformed escape (`/studies/%E0%A4%A`): SvelteKit would answer 400 and hand the path,
	// which may hold a rater's link token, to handleError; no such page exists.
	try {
		decodeURI(event.url.pathname);
	} catch {
		// URIError is the only thing decodeURI throws: the malformed escape above.
		return NOT_FOUND;
	}
	for (const value of Object.values(event.params))
		if (value !== undefined && unstorableText(value)) return { status: 404, message: 'Not found' };
	for (const [name, value] of event.url.searchParams) {
		const message = unstorableText(name) ?? unstorableText(value);
		if (message) return fieldRefusal('Query parameter', name, message);
	}
	if (!event.request.body || event.request.method === 'GET' || event.request.method === 'HEAD')
		return null;
	return bodyRefusal(event.request);
}
