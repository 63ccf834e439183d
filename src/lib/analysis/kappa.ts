export type KappaWeights = 'none' | 'linear' | 'quadratic';

export interface CohenKappaOptions {
	/** Agreement weights over category positions i, j (k categories). Default 'none'. */
	weights?: KappaWeights;
	/**
	 * Every value of the scale in order, so that a category nobody used still counts: one between
	 * used values changes their distance i − j in the weights (one at either end only rescales
	 * all distances by 1/(k − 1), which cancels). Default: the values observed in a or b, ascending.
	 */
	categories?: readonly number[];
}

function categoryIndex(categories: readonly number[], fn: string): Map<number, number> {
	const index = new Map<number, number>();
	categories.forEach((c, i) => index.set(c, i));
	if (index.size !== categories.length) throw new RangeError(`${fn}: duplicate categories`);
	return index;
}

function observedCategories(values: Iterable<number>): number[] {
	return [...new Set(values)].sort((p, q) => p - q);
}

/**
 * Cohen's kappa for two raters, unweighted or weighted (Cohen 1960, 1968):
 *
 *   κ_w = (p_o − p_e)/(1 − p_e),  p_o = Σᵢⱼ wᵢⱼ·pᵢⱼ,  p_e = Σᵢⱼ wᵢⱼ·pᵢ.·p.ⱼ,
 *
 * with pᵢⱼ the joint proportions over the k categories and agreement weights wᵢⱼ = [i = j]
 * ('none'), 1 − |i − j|/(k − 1) ('linear') or 1 − (i − j)²/(k − 1)² ('quadratic', which equals
 * the intraclass correlation under Fleiss & Cohen 1973), i and j being positions in `categories`.
 * NaN when p_e = 1 (both raters used one and the same category: kappa is undefined).
 * Validated against psych 2.2.9 cohen.kappa (given the same weight matrix: its own default is
 * quadratic) and statsmodels 0.13.5 cohens_kappa.
 */
export function cohenKappa(
	a: readonly number[],
	b: readonly number[],
	opts: CohenKappaOptions = {}
): number {
	if (a.length !== b.length) throw new RangeError('cohenKappa: a and b differ in length');
	if (a.length === 0) throw new RangeError('cohenKappa: no ratings');
	const categories = opts.categories ?? observedCategories([...a, ...b]);
	const index = categoryIndex(categories, 'cohenKappa');
	const k = categories.length;
	const table = Array.from({ length: k }, () => new Array<number>(k).fill(0));
	a.forEach((ai, t) => {
		const i = index.get(ai);
		const j = index.get(b[t]!);
		if (i === undefined || j === undefined) {
			throw new RangeError(`cohenKappa: rating ${i === undefined ? ai : b[t]} is not a category`);
		}
		table[i]![j]! += 1;
	});
	const total = a.length;
	const rows = table.map((row) => row.reduce((s, v) => s + v, 0) / total);
	const cols = Array.from(
		{ length: k },
		(_, j) => table.reduce((s, row) => s + row[j]!, 0) / total
	);
	const weights = opts.weights ?? 'none';
	const weight = (i: number, j: number): number => {
		if (weights === 'none') return i === j ? 1 : 0;
		const distance = Math.abs(i - j) / (k - 1);
		return weights === 'linear' ? 1 - distance : 1 - distance * distance;
	};
	let observed = 0;
	let expected = 0;
	for (let i = 0; i < k; i++) {
		for (let j = 0; j < k; j++) {
			const w = weight(i, j);
			observed += w * (table[i]![j]! / total);
			expected += w * rows[i]! * cols[j]!;
		}
	}
	return (observed - expected) / (1 - expected);
}

/**
 * Fleiss' kappa for m raters who each rated every item into one of k categories (Fleiss 1971):
 *
 *   P̄ = (1/N)·Σᵢ (Σⱼ nᵢⱼ² − m)/(m(m − 1)),  P̄ₑ = Σⱼ pⱼ²,  pⱼ = Σᵢ nᵢⱼ/(N·m),
 *   κ = (P̄ − P̄ₑ)/(1 − P̄ₑ),
 *
 * nᵢⱼ being the number of raters who put item i in category j. Input rows are raters, columns
 * items. Categories nobody used add pⱼ = 0 and do not change κ; passing them only validates the
 * ratings. NaN when every rating falls in one category. Validated against statsmodels 0.13.5
 * fleiss_kappa (method 'fleiss') and Fleiss's (1971) worked example.
 */
export function fleissKappa(
	ratings: readonly (readonly number[])[],
	categories?: readonly number[]
): number {
	const m = ratings.length;
	if (m < 2) throw new RangeError('fleissKappa: need at least two raters');
	const items = ratings[0]!.length;
	if (items === 0) throw new RangeError('fleissKappa: no items');
	if (ratings.some((row) => row.length !== items)) throw new RangeError('fleissKappa: ragged rows');
	const cats = categories ?? observedCategories(ratings.flat());
	const index = categoryIndex(cats, 'fleissKappa');
	const totals = new Array<number>(cats.length).fill(0);
	let agreement = 0;
	for (let i = 0; i < items; i++) {
		const counts = new Array<number>(cats.length).fill(0);
		for (const row of ratings) {
			const j = index.get(row[i]!);
			if (j === undefined) throw new RangeError(`fleissKappa: rating ${row[i]} is not a category`);
			counts[j]! += 1;
		}
		let squares = 0;
		counts.forEach((c, j) => {
			squares += c * c;
			totals[j]! += c;
		});
		agreement += (squares - m) / (m * (m - 1));
	}
	const pBar = agreement / items;
	let pExpected = 0;
	for (const t of totals) pExpected += (t / (items * m)) ** 2;
	return (pBar - pExpected) / (1 - pExpected);
}
