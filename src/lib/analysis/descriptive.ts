import { mean, sampleStandardDeviation } from 'simple-statistics';

export interface ScoreRow {
	group: string;
	dimension: string;
	score: number;
}

export interface CellSummary {
	group: string;
	dimension: string;
	n: number;
	mean: number;
	/** Sample SD (n − 1 denominator); null when n < 2. */
	sd: number | null;
}

/**
 * Mean and sample SD of scores per group (checkpoint) and dimension, in the order groups and
 * dimensions are given. Cells without scores are reported with n = 0 and mean NaN.
 */
export function summarizeByGroup(
	rows: readonly ScoreRow[],
	groups: readonly string[],
	dimensions: readonly string[]
): CellSummary[] {
	const cells = new Map<string, number[]>();
	for (const r of rows) {
		const key = `${r.group}\u0000${r.dimension}`;
		const list = cells.get(key);
		if (list) list.push(r.score);
		else cells.set(key, [r.score]);
	}
	return groups.flatMap((group) =>
		dimensions.map((dimension) => {
			const xs = cells.get(`${group}\u0000${dimension}`) ?? [];
			return {
				group,
				dimension,
				n: xs.length,
				mean: xs.length ? mean(xs) : Number.NaN,
				sd: xs.length > 1 ? sampleStandardDeviation(xs) : null
			};
		})
	);
}
