import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { bodyLimitOf, discardBoundOf, discardRest, formatBytes, withinLimit } from './body-limit';

function chunked(parts: string[]): Request {
	const encoder = new TextEncoder();
	const body = new ReadableStream<Uint8Array>({
		start(controller) {
			for (const p of parts) controller.enqueue(encoder.encode(p));
			controller.close();
		}
	});
	return new Request('http://x/login', { method: 'POST', body, duplex: 'half' } as RequestInit);
}

describe('body limits', () => {
	it('are small for sign-in and raters, large for study uploads', () => {
		expect(formatBytes(bodyLimitOf('/(public)/login'))).toBe('64 KB');
		expect(formatBytes(bodyLimitOf('/api/rater/items/[code]/scores'))).toBe('64 KB');
		expect(formatBytes(bodyLimitOf('/api/rater/items/[code]/correction'))).toBe('512 KB');
		expect(formatBytes(bodyLimitOf('/(coordinator)/studies/[slug]'))).toBe('20 MB');
		expect(formatBytes(bodyLimitOf('/(coordinator)/rounds/[id]'))).toBe('1 MB');
		expect(formatBytes(bodyLimitOf(null))).toBe('64 KB');
	});

	it('refuses a declared Content-Length above the limit without reading the body', async () => {
		const request = new Request('http://x/login', {
			method: 'POST',
			body: 'x'.repeat(11),
			headers: { 'content-length': '11' }
		});
		expect(await withinLimit(request, 10)).toBeNull();
		expect(request.bodyUsed).toBe(false);
		const fits = new Request('http://x/login', {
			method: 'POST',
			body: 'x'.repeat(10),
			headers: { 'content-length': '10' }
		});
		expect(await withinLimit(fits, 10)).toBe(fits);
	});

	it('reads a chunked body up to the limit and hands on the same bytes', async () => {
		expect(await withinLimit(chunked(['12345', '678901']), 10)).toBeNull();
		const ok = await withinLimit(chunked(['a=1', '&b=ü']), 10);
		expect(await ok!.text()).toBe('a=1&b=ü');
	});

	it('passes a request without a body', async () => {
		const get = new Request('http://x/');
		expect(await withinLimit(get, 0)).toBe(get);
	});

	it('reads the rest of a refused body up to the bound, and leaves a larger one unread', async () => {
		const declared = (n: number) =>
			new Request('http://x/login', {
				method: 'POST',
				body: 'x'.repeat(n),
				headers: { 'content-length': String(n) }
			});
		const within = declared(15);
		expect(await withinLimit(within, 10)).toBeNull();
		expect(await discardRest(within, discardBoundOf(10))).toBe(true);
		expect(within.bodyUsed).toBe(true);
		const beyond = declared(21);
		expect(await discardRest(beyond, discardBoundOf(10))).toBe(false);
		expect(beyond.bodyUsed).toBe(false);
		// Chunked: the part after the limit is read on, up to the bound.
		const parts = chunked(['12345', '678901', 'abc']);
		expect(await withinLimit(parts, 10)).toBeNull();
		expect(await discardRest(parts, 3)).toBe(true);
		const long = chunked(['12345', '678901', 'abcd']);
		expect(await withinLimit(long, 10)).toBeNull();
		expect(await discardRest(long, 3)).toBe(false);
	});

	it('lets a client still writing a too-large upload see the 413 (a real socket)', async () => {
		// As in hooks.server.ts: refused by its declared length, the rest read, then the answer.
		// Without the read, the answer closes the connection while 30 MB are still being written.
		const limit = 20 * 1024 * 1024;
		const server = http.createServer(async (req, res) => {
			const request = new Request('http://x/upload', {
				method: 'POST',
				headers: req.headers as Record<string, string>,
				body: Readable.toWeb(req) as ReadableStream<Uint8Array>,
				duplex: 'half'
			} as RequestInit);
			if (await withinLimit(request, limit)) return void res.end('ok');
			const drained = await discardRest(request, discardBoundOf(limit));
			res.writeHead(413, drained ? {} : { connection: 'close' }).end('too large');
		});
		await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
		try {
			const { port } = server.address() as AddressInfo;
			const size = 30 * 1024 * 1024;
			const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
				const req = http.request(
					{
						port,
						host: '127.0.0.1',
						method: 'POST',
						path: '/upload',
						headers: { 'content-length': size }
					},
					(res) => {
						let body = '';
						res.on('data', (c: Buffer) => (body += c.toString()));
						res.on('end', () =>
							// As a browser does: the answer counts once the whole upload went out.
							written.then(() => resolve({ status: res.statusCode!, body }), reject)
						);
					}
				);
				const written = new Promise<void>((done, failed) => {
					req.on('finish', done);
					req.on('error', failed);
				});
				req.on('error', reject);
				const chunk = Buffer.alloc(1024 * 1024, 120);
				let sent = 0;
				const write = () => {
					while (sent < size) {
						sent += chunk.length;
						if (!req.write(chunk)) return void req.once('drain', write);
					}
					req.end();
				};
				write();
			});
			expect(answer).toEqual({ status: 413, body: 'too large' });
		} finally {
			server.closeAllConnections();
			await new Promise((r) => server.close(r));
		}
	});
});
