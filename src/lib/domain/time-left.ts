/** The "time left" estimate shown to raters beside their progress. */

/** Finished items needed before an estimate is shown: one item says too little about pace. */
export const MIN_FINISHED_FOR_ESTIMATE = 2;

/**
 * Seconds a rater probably still needs: the median of the visible seconds spent on each finished
 * item, times the number of items left. The median, not the mean, so one letter left open over a
 * ward round does not inflate every estimate. Items without recorded time (0 s, e.g. scored
 * before time was recorded) are left out; with fewer than `MIN_FINISHED_FOR_ESTIMATE` timed
 * items the answer is null (no estimate), with nothing left it is 0.
 *
 * Median of sorted x₁…xₙ: x₍ₙ₊₁₎/₂ for odd n, (xₙ/₂ + xₙ/₂₊₁) / 2 for even n.
 */
export function estimateSecondsLeft(
	finishedSeconds: readonly number[],
	remaining: number
): number | null {
	const timed = finishedSeconds.filter((s) => Number.isFinite(s) && s > 0).sort((a, b) => a - b);
	if (timed.length < MIN_FINISHED_FOR_ESTIMATE) return null;
	if (remaining <= 0) return 0;
	const mid = timed.length >> 1;
	const median = timed.length % 2 ? timed[mid]! : (timed[mid - 1]! + timed[mid]!) / 2;
	return Math.round(median * remaining);
}

/** Whole minutes for display, rounded to the nearest minute (under 30 s shows as 0: "< 1 min"). */
export function minutesLeft(seconds: number): number {
	return Math.round(seconds / 60);
}
