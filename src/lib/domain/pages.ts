/**
 * One page of a long list shown in the browser (the cases upload preview and its errors): the
 * page never holds more than `size` entries, whatever the list's length, so the DOM stays small.
 */
export interface Page {
	/** 0-based, clamped to the pages that exist. */
	index: number;
	count: number;
	/** Entries [start, end) of the list. */
	start: number;
	end: number;
}

export function pageOf(total: number, index: number, size: number): Page {
	const count = Math.max(1, Math.ceil(total / size));
	const i = Math.min(Math.max(0, Math.floor(index)), count - 1);
	return { index: i, count, start: i * size, end: Math.min(total, (i + 1) * size) };
}
