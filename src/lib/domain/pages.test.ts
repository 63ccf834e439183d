import { describe, expect, it } from 'vitest';
import { pageOf } from './pages';

describe('pageOf', () => {
	it('slices a list into pages of at most `size`, clamping the index', () => {
		expect(pageOf(10_000, 0, 25)).toEqual({ index: 0, count: 400, start: 0, end: 25 });
		expect(pageOf(10_000, 399, 25)).toEqual({ index: 399, count: 400, start: 9975, end: 10_000 });
		expect(pageOf(10_000, 1000, 25).index).toBe(399);
		expect(pageOf(10_000, -3, 25).index).toBe(0);
		expect(pageOf(4, 0, 25)).toEqual({ index: 0, count: 1, start: 0, end: 4 });
		expect(pageOf(0, 2, 25)).toEqual({ index: 0, count: 1, start: 0, end: 0 });
		expect(pageOf(51, 2, 25)).toEqual({ index: 2, count: 3, start: 50, end: 51 });
	});
});
