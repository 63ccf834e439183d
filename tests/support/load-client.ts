/**
 * A small HTTP load client: keep-alive connections (node:http), at most `connections` requests
 * in flight at once, each timed from the moment it has a connection slot until its whole answer
 * is read. A request that gets no answer (refused, reset: the server was killed) resolves with
 * status 0 instead of throwing, so callers can retry as the rating page does.
 */
import http from 'node:http';

export interface Answer {
	status: number;
	ms: number;
	headers?: http.IncomingHttpHeaders;
	body: string;
}

export class LoadClient {
	readonly agent: http.Agent;
	#free: number;
	#waiting: (() => void)[] = [];
	readonly #url: URL;

	constructor(origin: string, connections: number) {
		this.#url = new URL(origin);
		this.#free = connections;
		this.agent = new http.Agent({ keepAlive: true, maxSockets: connections });
	}

	async request(method: string, path: string, body?: unknown, cookie?: string): Promise<Answer> {
		if (this.#free > 0) this.#free--;
		else await new Promise<void>((resolve) => this.#waiting.push(resolve));
		try {
			return await this.#send(method, path, body, cookie);
		} finally {
			const next = this.#waiting.shift();
			if (next) next();
			else this.#free++;
		}
	}

	#send(method: string, path: string, body?: unknown, cookie?: string): Promise<Answer> {
		const payload = body === undefined ? undefined : JSON.stringify(body);
		const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
		if (payload !== undefined) {
			// As the page sends it: SvelteKit's CSRF check refuses a write without a content type.
			headers['content-type'] = 'application/json';
			headers['content-length'] = Buffer.byteLength(payload);
			headers.origin = this.#url.origin;
		}
		if (cookie) headers.cookie = cookie;
		const started = performance.now();
		return new Promise((resolve) => {
			const req = http.request(
				{
					host: this.#url.hostname,
					port: this.#url.port,
					method,
					path,
					headers,
					agent: this.agent
				},
				(res) => {
					const chunks: Buffer[] = [];
					res.on('data', (c: Buffer) => chunks.push(c));
					res.on('end', () =>
						resolve({
							status: res.statusCode ?? 0,
							ms: performance.now() - started,
							headers: res.headers,
							body: Buffer.concat(chunks).toString()
						})
					);
					res.on('error', () => resolve({ status: 0, ms: performance.now() - started, body: '' }));
				}
			);
			req.on('error', () => resolve({ status: 0, ms: performance.now() - started, body: '' }));
			req.end(payload);
		});
	}

	close(): void {
		this.agent.destroy();
	}
}
