/**
 * Typed errors shared by the domain and the services. Routes map them to HTTP statuses in one
 * place (server/http.ts); the CLI prints their message. Messages are written for the user who
 * caused them: they name the file, line and field, never SQL or a stack.
 */

export interface Issue {
	/** File the issue is in, as the user named it (e.g. studies/demo/cases.jsonl). */
	file?: string;
	/** 1-based line (JSONL, YAML) or row (CSV, counting the header as row 1). */
	line?: number;
	/** Dot path of the field, e.g. source.radiotherapy.total_dose_gy. */
	field?: string;
	message: string;
}

export function formatIssue(issue: Issue): string {
	const where = [issue.file, issue.line === undefined ? undefined : `line ${issue.line}`]
		.filter(Boolean)
		.join(', ');
	const field = issue.field ? `field ${issue.field}: ` : '';
	return `${where ? `${where}: ` : ''}${field}${issue.message}`;
}

export class ValidationError extends Error {
	readonly issues: Issue[];
	constructor(issues: Issue[], summary?: string) {
		const lines = issues.map((i) => `  - ${formatIssue(i)}`);
		super(
			`${summary ?? `${issues.length} problem${issues.length === 1 ? '' : 's'} found`}:\n${lines.join('\n')}`
		);
		this.name = 'ValidationError';
		this.issues = issues;
	}
}

export class NotFoundError extends Error {
	constructor(message = 'Not found') {
		super(message);
		this.name = 'NotFoundError';
	}
}

export class ForbiddenError extends Error {
	constructor(message = 'Forbidden') {
		super(message);
		this.name = 'ForbiddenError';
	}
}

export class ConflictError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ConflictError';
	}
}
