import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimateSecondsLeft, minutesLeft } from './time-left';

describe('estimateSecondsLeft', () => {
	it('needs two timed finished items', () => {
		expect(estimateSecondsLeft([], 5)).toBeNull();
		expect(estimateSecondsLeft([120], 5)).toBeNull();
		expect(estimateSecondsLeft([120, 0], 5)).toBeNull();
		expect(estimateSecondsLeft([120, 60], 5)).toBe(450);
	});

	it('multiplies the median by the items left', () => {
		expect(estimateSecondsLeft([30, 90, 60], 4)).toBe(240);
		expect(estimateSecondsLeft([10, 20, 30, 1000], 2)).toBe(50);
		expect(estimateSecondsLeft([61, 62], 3)).toBe(185); // median 61.5 × 3 = 184.5, rounded
	});

	it('ignores untimed and invalid entries and is 0 with nothing left', () => {
		expect(estimateSecondsLeft([0, 0, 40, 80, Number.NaN, -3], 1)).toBe(60);
		expect(estimateSecondsLeft([40, 80], 0)).toBe(0);
	});

	it('lies between min and max × remaining, whatever the order', () => {
		fc.assert(
			fc.property(
				fc.array(fc.integer({ min: 1, max: 3600 }), { minLength: 2, maxLength: 50 }),
				fc.integer({ min: 0, max: 200 }),
				(xs, remaining) => {
					const est = estimateSecondsLeft(xs, remaining)!;
					expect(est).toBeGreaterThanOrEqual(Math.floor(Math.min(...xs) * remaining));
					expect(est).toBeLessThanOrEqual(Math.ceil(Math.max(...xs) * remaining));
					expect(estimateSecondsLeft([...xs].reverse(), remaining)).toBe(est);
				}
			)
		);
	});
});

describe('minutesLeft', () => {
	it('rounds to whole minutes', () => {
		expect(minutesLeft(0)).toBe(0);
		expect(minutesLeft(29)).toBe(0);
		expect(minutesLeft(30)).toBe(1);
		expect(minutesLeft(150)).toBe(3);
	});
});
