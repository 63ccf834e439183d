import { describe, expect, it } from 'vitest';
import { bodyLimitOf, formatBytes, withinLimit } from './body-limit';

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
});
