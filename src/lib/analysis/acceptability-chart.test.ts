import { describe, expect, it } from 'vitest';
import { acceptabilitySeries } from './acceptability-chart';
import { paletteColor } from './chart-series';
import type { AcceptabilityResult } from './study';

const row = (
	checkpoint: string,
	share: number | null,
	lower: number | null,
	upper: number | null
) => ({
	checkpoint,
	letters: share === null ? 0 : 10,
	acceptable: share === null ? 0 : share * 10,
	share,
	lower,
	upper,
	excluded: 0,
	ratings: 0,
	acceptableRatings: 0,
	ratingShare: null
});

describe('acceptabilitySeries', () => {
	it('gives shares and Wilson intervals in percent, colored by position', () => {
		const acc: AcceptabilityResult = {
			rule: 'a >= 3',
			raters: 'any',
			note: null,
			comparisons: [],
			rows: [row('base', 0.3, 0.1078, 0.6032), row('ft', null, null, null)]
		};
		const s = acceptabilitySeries(acc);
		expect(s.labels).toEqual(['base', 'ft']);
		expect(s.datasets[0].data).toEqual([30, null]);
		expect(s.datasets[0].backgroundColor).toEqual([paletteColor(0), paletteColor(1)]);
		expect(s.datasets[1].data).toEqual([[10.78, 60.32], null]);
		expect(s.datasets[1].grouped).toBe(false);
	});
});
