import { chiSquareUpper } from './distributions';
import { averageRanks } from './wilcoxon';

export interface FriedmanResult {
	/** Friedman's chi-square, tie-corrected; NaN when every block is constant (as R). */
	statistic: number;
	df: number;
	pValue: number;
}

/**
 * Friedman rank sum test for an unreplicated complete block design, as R's friedman.test(matrix):
 * rows are blocks (cases), columns are treatments (checkpoints). Within each block values get
 * average ranks; with Rⱼ the rank sum of column j, n blocks and k columns,
 *
 *   Q = 12·Σⱼ (Rⱼ − n(k+1)/2)² / (n·k(k+1) − Σ(t³ − t)/(k − 1)),
 *
 * the sum running over every tie group of size t in every block (Hollander & Wolfe 1973, §7.1),
 * and p = P(χ²(k − 1) ≥ Q). Validated against R 4.2.2 friedman.test; a single block, which R
 * cannot take (friedman.test drops the matrix to a vector), against SciPy's friedmanchisquare.
 */
export function friedman(data: readonly (readonly number[])[]): FriedmanResult {
	const n = data.length;
	if (n === 0) throw new RangeError('friedman: no blocks');
	const k = data[0]!.length;
	if (k < 2) throw new RangeError('friedman: need at least two columns');
	if (data.some((row) => row.length !== k)) throw new RangeError('friedman: ragged rows');
	if (data.some((row) => row.some((v) => !Number.isFinite(v)))) {
		throw new RangeError('friedman: every value must be a finite number');
	}
	const rankSums = new Array<number>(k).fill(0);
	let ties = 0;
	for (const row of data) {
		const { ranks, tieSizes } = averageRanks(row);
		ranks.forEach((r, j) => (rankSums[j]! += r));
		for (const t of tieSizes) ties += t * t * t - t;
	}
	const centre = (n * (k + 1)) / 2;
	const spread = rankSums.reduce((s, r) => s + (r - centre) ** 2, 0);
	const statistic = (12 * spread) / (n * k * (k + 1) - ties / (k - 1));
	return { statistic, df: k - 1, pValue: chiSquareUpper(statistic, k - 1) };
}
