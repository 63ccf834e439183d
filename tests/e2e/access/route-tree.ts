/**
 * Every page, form action and endpoint of the app, read from the route tree under src/routes,
 * so a new route cannot escape the authorization matrix.
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve('src/routes');
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** "GET /(public)/login", "POST /(public)/login ?/default", "PUT /api/rater/…/scores". */
export type RouteKey = string;

function walk(dir: string): string[] {
	return fs
		.readdirSync(dir, { withFileTypes: true })
		.flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** The names of a +page.server.ts's form actions (the keys of `export const actions`). */
function actionsOf(source: string): string[] {
	const block = /export const actions[^=]*=\s*\{([\s\S]*?)\n\};/.exec(source)?.[1] ?? '';
	return [...block.matchAll(/^\t(\w+):/gm)].map((m) => m[1]!);
}

export function routeKeys(): RouteKey[] {
	const keys: RouteKey[] = [];
	for (const file of walk(ROOT)) {
		const rel = path.relative(ROOT, path.dirname(file)).split(path.sep).join('/');
		const id = `/${rel}`.replace(/\/$/, '') || '/';
		const name = path.basename(file);
		const source = fs.readFileSync(file, 'utf8');
		if (name === '+page.svelte') keys.push(`GET ${id}`);
		if (name === '+page.server.ts')
			for (const action of actionsOf(source)) keys.push(`POST ${id} ?/${action}`);
		if (name === '+server.ts')
			for (const m of METHODS)
				if (new RegExp(`export (const|async function|function) ${m}\\b`).test(source))
					keys.push(`${m} ${id}`);
	}
	return keys.sort();
}

/** The URL of a route id with its parameters filled in. */
export function urlOf(routeId: string, params: Record<string, string>): string {
	const url = routeId
		.split('/')
		.filter((s) => !/^\(.*\)$/.test(s))
		.map((s) =>
			s.replace(/^\[(\w+)\]$/, (_, p: string) => {
				if (!(p in params)) throw new Error(`no value for the route parameter ${p}`);
				return encodeURIComponent(params[p]!);
			})
		)
		.join('/');
	return url || '/';
}
