/** Time per item for the study analysis: seconds per rater and item, by checkpoint. */

import type { Prepared } from './prepare';
import { summarize, type Summary } from './summary';

export interface TimeRow {
	checkpoint: string;
	/** One value per rater and item. */
	seconds: Summary;
}

export function timeSection(p: Prepared): TimeRow[] {
	const R = p.raters.length;
	const values: number[][] = p.checkpoints.map(() => []);
	for (let i = 0; i < p.items.length; i++) {
		const list = values[p.itemCheckpoint[i]!]!;
		for (let r = 0, cell = i * R; r < R; r++, cell++) {
			const s = p.seconds[cell]!;
			if (!Number.isNaN(s)) list.push(s);
		}
	}
	return p.checkpoints.map((checkpoint, k) => ({ checkpoint, seconds: summarize(values[k]!) }));
}
