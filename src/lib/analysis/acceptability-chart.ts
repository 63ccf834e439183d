/**
 * chart.js-ready bars of the acceptable share per checkpoint with their Wilson 95% intervals,
 * drawn as thin floating bars [lower, upper] over each share (chart.js draws a bar whose value
 * is a pair from the first to the second value, so no plugin is needed). Pure: no chart.js import.
 * Colors by position, as in chart-series.ts.
 */

import { paletteColor } from './chart-series';
import type { AcceptabilityResult } from './study';

export interface AcceptabilityChartData {
	labels: string[];
	datasets: [
		{
			label: string;
			data: (number | null)[];
			backgroundColor: string[];
			borderColor: string[];
			order: number;
		},
		{
			label: string;
			data: ([number, number] | null)[];
			backgroundColor: string;
			borderColor: string;
			grouped: false;
			barPercentage: number;
			order: number;
		}
	];
}

const percent = (x: number) => Math.round(1e6 * x) / 1e4;

/** Labels = checkpoints; dataset 0: share in %, dataset 1: the Wilson interval in %. */
export function acceptabilitySeries(acc: AcceptabilityResult): AcceptabilityChartData {
	const colors = acc.rows.map((_, k) => paletteColor(k));
	return {
		labels: acc.rows.map((r) => r.checkpoint),
		datasets: [
			{
				label: 'Acceptable letters, %',
				data: acc.rows.map((r) => (r.share === null ? null : percent(r.share))),
				backgroundColor: colors,
				borderColor: colors,
				order: 2
			},
			{
				label: '95% Wilson interval',
				data: acc.rows.map((r) =>
					r.lower === null || r.upper === null ? null : [percent(r.lower), percent(r.upper)]
				),
				backgroundColor: '#000000',
				borderColor: '#000000',
				grouped: false,
				barPercentage: 0.08,
				order: 1
			}
		]
	};
}
