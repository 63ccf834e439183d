import { describe, expect, it } from 'vitest';
import { powerCurveSeries } from './power-chart';

describe('powerCurveSeries', () => {
	it('draws the estimate, a ±2 SE band kept within 0–1, and one line per target', () => {
		const curve = [
			{ cases: 10, power: 0.5, se: 0.02, reps: 600 },
			{ cases: 20, power: 0.99, se: 0.01, reps: 600 }
		];
		const chart = powerCurveSeries(curve, [0.8, 0.9]);
		expect(chart.labels).toEqual(['10', '20']);
		expect(chart.datasets.map((d) => d.label)).toEqual([
			'Power',
			'−2 MC SE',
			'+2 MC SE',
			'80% target',
			'90% target'
		]);
		expect(chart.datasets[0]!.data).toEqual([0.5, 0.99]);
		expect(chart.datasets[1]!.data[0]).toBeCloseTo(0.46, 12);
		expect(chart.datasets[2]!.data).toEqual([0.54, 1]);
		expect(chart.datasets[2]!.fill).toBe('-1');
		expect(chart.datasets[4]!.data).toEqual([0.9, 0.9]);
	});
});
