/**
 * Server error lines without data. A clinic's logs must not hold rater comments, letters or
 * case data, and errors carry them easily: postgres.js errors hold the failed query's
 * parameters, drizzle's DrizzleQueryError puts the SQL and every parameter into its message,
 * and JSON.parse quotes the text it choked on. So a logged error is its name, its code (a
 * PostgreSQL SQLSTATE or Node code) and its message with quoted values cut out; never the
 * error object, its stack, its query or its parameters.
 */

export interface ErrorSummary {
	name: string;
	code: string | null;
	message: string;
}

const MAX_MESSAGE = 300;
/** A quoted value (not an identifier such as a constraint, table or column name) is dropped. */
const QUOTED = /"([^"\n]*)"|'([^'\n]*)'|“([^”\n]*)”/g;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_.]{0,62}$/;

function causes(e: unknown): unknown[] {
	const chain: unknown[] = [];
	for (let at = e; at !== undefined && at !== null && chain.length < 5;) {
		chain.push(at);
		at = (at as { cause?: unknown }).cause;
	}
	return chain;
}

/** The message with every quoted value replaced by "…", control characters dropped, bounded. */
export function redactMessage(message: string): string {
	const redacted = message
		.replace(QUOTED, (whole, a?: string, b?: string, c?: string) => {
			const inner = a ?? b ?? c ?? '';
			return IDENTIFIER.test(inner) ? whole : '"…"';
		})
		// eslint-disable-next-line no-control-regex -- control characters are what is dropped
		.replace(/[\u0000-\u001f\u007f]+/g, ' ')
		.trim();
	return redacted.length > MAX_MESSAGE ? `${redacted.slice(0, MAX_MESSAGE)}…` : redacted;
}

/** An error's class name (DrizzleQueryError keeps the name "Error"), or the value's type. */
function nameOf(e: unknown): string {
	if (!(e instanceof Error)) return typeof e;
	return e.name !== 'Error' ? e.name : (e.constructor?.name ?? 'Error');
}

/**
 * What may be logged of an error. A query error wrapped by drizzle is described by its cause
 * (the database's own error), since the wrapper's message is the SQL with its parameters.
 */
export function summarizeError(e: unknown): ErrorSummary {
	const chain = causes(e);
	const innermost = chain[chain.length - 1];
	const coded = chain.find(
		(c) => typeof (c as { code?: unknown }).code === 'string' && (c as { code: string }).code
	) as { code: string } | undefined;
	const source = innermost instanceof Error ? innermost : e;
	const name =
		source instanceof Error && source !== e ? `${nameOf(e)}: ${nameOf(source)}` : nameOf(e);
	const raw = source instanceof Error ? source.message : '';
	return { name, code: coded?.code ?? null, message: redactMessage(raw) };
}

/** One line on stderr: reference id, where (a route id or a job, never a URL), code, message. */
export function logServerError(errorId: string, where: string, e: unknown): void {
	const { name, code, message } = summarizeError(e);
	console.error(`[${errorId}] ${where}: ${name}${code ? ` (${code})` : ''}: ${message}`);
}
