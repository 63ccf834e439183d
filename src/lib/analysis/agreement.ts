export interface AgreementResult {
	/** agreeing / pairs; NaN when no item has two ratings. */
	proportion: number;
	/** Rater pairs whose ratings of the same item are within the tolerance. */
	agreeing: number;
	/** Rater pairs who both rated the same item, summed over items. */
	pairs: number;
	/** Items with at least two ratings. */
	items: number;
}

/**
 * Pairwise percent agreement: over every item and every pair of raters who both rated it, the
 * share of pairs whose ratings differ by at most `tolerance`. Rows are raters, columns items,
 * null a missing rating. For two raters this is the familiar share of items rated alike; with
 * more raters each item weighs by its number of rater pairs (the pairwise definition used by
 * Krippendorff's observed agreement), not "all raters agree" (irr::agree). Validated against a
 * direct R computation over combn() pairs.
 */
export function agreementWithin(
	ratings: readonly (readonly (number | null)[])[],
	tolerance: number
): AgreementResult {
	if (!(tolerance >= 0)) throw new RangeError('agreementWithin: tolerance must be ≥ 0');
	const items = ratings[0]?.length ?? 0;
	if (ratings.some((row) => row.length !== items)) {
		throw new RangeError('agreementWithin: ragged rows');
	}
	let agreeing = 0;
	let pairs = 0;
	let rated = 0;
	for (let j = 0; j < items; j++) {
		const values: number[] = [];
		for (const row of ratings) {
			const v = row[j];
			if (v !== null && v !== undefined) values.push(v);
		}
		if (values.length < 2) continue;
		rated++;
		for (let p = 0; p < values.length; p++) {
			for (let q = p + 1; q < values.length; q++) {
				pairs++;
				if (Math.abs(values[p]! - values[q]!) <= tolerance) agreeing++;
			}
		}
	}
	return { proportion: pairs > 0 ? agreeing / pairs : Number.NaN, agreeing, pairs, items: rated };
}

/** Pairwise exact agreement: agreementWithin(ratings, 0). */
export function exactAgreement(ratings: readonly (readonly (number | null)[])[]): AgreementResult {
	return agreementWithin(ratings, 0);
}

/**
 * Pairwise within-one agreement (|a − b| ≤ 1, "adjacent agreement"; on a yes/no or other
 * 2-category scale every pair agrees within one, so report exact agreement there):
 * agreementWithin(ratings, 1).
 */
export function withinOneAgreement(
	ratings: readonly (readonly (number | null)[])[]
): AgreementResult {
	return agreementWithin(ratings, 1);
}
