/**
 * The power curve as chart data (the Power page's chart.js line chart): the estimated power per
 * number of cases, a band of ±2 Monte Carlo standard errors around it, and a flat line per
 * target power. Pure, like chart-series.ts.
 */
import { paletteColor } from './chart-series';
import type { PowerPoint } from './power';

export interface LineDataset {
	label: string;
	data: number[];
	borderColor: string;
	backgroundColor: string;
	borderDash?: number[];
	/** chart.js: fill towards the previous dataset (the band's upper edge fills down to its lower). */
	fill?: boolean | '-1';
	pointRadius?: number;
}

export interface PowerChartData {
	labels: string[];
	datasets: LineDataset[];
}

const clamp = (x: number) => Math.min(1, Math.max(0, x));

/** Power (0–1) against cases: the estimate, its ±2 SE band and the target lines. */
export function powerCurveSeries(
	curve: readonly PowerPoint[],
	targets: readonly number[]
): PowerChartData {
	const color = paletteColor(0);
	return {
		labels: curve.map((p) => String(p.cases)),
		datasets: [
			{
				label: 'Power',
				data: curve.map((p) => p.power),
				borderColor: color,
				backgroundColor: color,
				pointRadius: 3
			},
			{
				label: '−2 MC SE',
				data: curve.map((p) => clamp(p.power - 2 * p.se)),
				borderColor: 'transparent',
				backgroundColor: 'transparent',
				pointRadius: 0
			},
			{
				label: '+2 MC SE',
				data: curve.map((p) => clamp(p.power + 2 * p.se)),
				borderColor: 'transparent',
				backgroundColor: 'rgba(86, 180, 233, 0.25)',
				fill: '-1',
				pointRadius: 0
			},
			...targets.map((t, i) => ({
				label: `${Math.round(t * 100)}% target`,
				data: curve.map(() => t),
				borderColor: paletteColor(i + 1),
				backgroundColor: paletteColor(i + 1),
				borderDash: [6, 4],
				pointRadius: 0
			}))
		]
	};
}
