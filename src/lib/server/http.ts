/** Maps the typed service errors to HTTP responses, in one place for every route. */
import { error, fail, type ActionFailure } from '@sveltejs/kit';
import {
	ConflictError,
	ForbiddenError,
	NotFoundError,
	ValidationError,
	formatIssue
} from '../errors';

function statusOf(e: unknown): number | null {
	if (e instanceof ValidationError) return 400;
	if (e instanceof NotFoundError) return 404;
	if (e instanceof ForbiddenError) return 403;
	if (e instanceof ConflictError) return 409;
	return null;
}

/** In a load or endpoint: rethrows a typed error as an HTTP error, anything else unchanged. */
export function asHttpError(e: unknown): never {
	const status = statusOf(e);
	if (status === null) throw e;
	error(status, { message: (e as Error).message });
}

/**
 * In a form action: a typed error becomes fail() with the messages to show beside the form;
 * `scope` tells a page with several forms which one failed.
 */
export function asFailure(
	e: unknown,
	scope = ''
): ActionFailure<{ errors: string[]; scope: string }> {
	const status = statusOf(e);
	if (status === null) throw e;
	const errors = e instanceof ValidationError ? e.issues.map(formatIssue) : [(e as Error).message];
	return fail(status, { errors, scope });
}

/** A download streamed from text chunks: memory stays flat whatever the size. */
export function streamResponse(
	chunks: AsyncIterable<string>,
	contentType: string,
	filename: string
): Response {
	const encoder = new TextEncoder();
	const iterator = chunks[Symbol.asyncIterator]();
	const body = new ReadableStream<Uint8Array>({
		async pull(controller) {
			const { value, done } = await iterator.next();
			if (done) controller.close();
			else controller.enqueue(encoder.encode(value));
		},
		async cancel() {
			await iterator.return?.();
		}
	});
	return new Response(body, {
		headers: {
			'content-type': contentType,
			'content-disposition': `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`
		}
	});
}
