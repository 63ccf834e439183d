import { describe, expect, it } from 'vitest';
import type { RaterActor } from './actors';
import { mayUseCachedRater, RaterCache } from './rater-cache';

const rater = (id: string): RaterActor => ({
	type: 'rater',
	id,
	studyId: 's',
	pseudonym: `R-${id}`,
	name: 'Rater'
});

function counting(found: Record<string, RaterActor>) {
	const calls: string[] = [];
	const find = async (token: string) => {
		calls.push(token);
		return found[token] ?? null;
	};
	return { calls, find };
}

describe('RaterCache', () => {
	it('looks a link up once within its time, again after it', async () => {
		let now = 0;
		const cache = new RaterCache(1000, 10, () => now);
		const { calls, find } = counting({ a: rater('1') });
		expect(await cache.get('a', find)).toEqual(rater('1'));
		now = 999;
		expect(await cache.get('a', find)).toEqual(rater('1'));
		expect(calls).toEqual(['a']);
		now = 1000;
		expect(await cache.get('a', find)).toEqual(rater('1'));
		expect(calls).toEqual(['a', 'a']);
	});

	it('never remembers an unknown link', async () => {
		const cache = new RaterCache();
		const { calls, find } = counting({});
		expect(await cache.get('nobody', find)).toBeNull();
		expect(await cache.get('nobody', find)).toBeNull();
		expect(calls).toEqual(['nobody', 'nobody']);
		expect(cache.size).toBe(0);
	});

	it('holds at most its number of raters, dropping the oldest', async () => {
		const cache = new RaterCache(60_000, 2);
		const { calls, find } = counting({ a: rater('1'), b: rater('2'), c: rater('3') });
		for (const t of ['a', 'b', 'c']) await cache.get(t, find);
		expect(cache.size).toBe(2);
		await cache.get('c', find);
		await cache.get('a', find);
		expect(calls).toEqual(['a', 'b', 'c', 'a']);
	});

	it('is used only by the saves whose statement checks the link again', () => {
		expect(mayUseCachedRater('PUT', '/api/rater/items/[code]/scores')).toBe(true);
		expect(mayUseCachedRater('PUT', '/api/rater/items/[code]/preferences')).toBe(true);
		expect(mayUseCachedRater('PUT', '/api/rater/items/[code]/comments')).toBe(false);
		expect(mayUseCachedRater('PUT', '/api/rater/items/[code]/correction')).toBe(false);
		expect(mayUseCachedRater('GET', '/(rater)/rate/[code]')).toBe(false);
		expect(mayUseCachedRater('GET', '/api/rater/items/[code]/scores')).toBe(false);
		expect(mayUseCachedRater('PUT', null)).toBe(false);
	});
});
