/**
 * Planning inputs read from a pilot round's ratings of one dimension (issue 13): each
 * checkpoint's score distribution, and the variance shares of the planner's latent model
 * (power.ts) estimated by moments on the score scale.
 *
 * With scores centred on their checkpoint's mean, the covariance of two ratings estimates:
 *   same letter, different raters                        σ²_case + σ²_case×checkpoint
 *   same case, other checkpoint, different raters        σ²_case
 *   same rater, different cases                          σ²_rater
 * each as the mean product over all such pairs (from group sums: Σ_g (S_g² − Σ y²) over a
 * grouping counts the ordered pairs inside its groups; pair classes follow by inclusion and
 * exclusion). Divided by the variance of the centred scores they are the shares. Scores are
 * coarse (4 values), so correlations on the score scale run somewhat below the latent ones:
 * shares read from a pilot are on the cautious side. Repeated showings are left out.
 */

export interface PilotRating {
	rater: string;
	caseId: string;
	checkpoint: string;
	score: number;
	/** A repeated showing (intra-rater agreement only): not used. */
	repeat?: boolean;
}

export interface PilotEstimates {
	ratings: number;
	cases: number;
	raters: number;
	/** Score distribution of the checkpoint named `than` / `better`; null if the pilot lacks it. */
	than: number[] | null;
	better: number[] | null;
	/** Variance shares; null where the pilot has no pair of ratings to estimate it from. */
	caseShare: number | null;
	raterShare: number | null;
	interactionShare: number | null;
}

/** Largest total share the planner accepts (it needs some rating noise). */
const MAX_TOTAL_SHARE = 0.95;

interface Pairs {
	products: number;
	count: number;
}

function withinGroups(values: readonly number[], keys: readonly string[]): Pairs {
	const groups = new Map<string, { sum: number; squares: number; n: number }>();
	values.forEach((v, i) => {
		const g = groups.get(keys[i]!) ?? { sum: 0, squares: 0, n: 0 };
		g.sum += v;
		g.squares += v * v;
		g.n++;
		groups.set(keys[i]!, g);
	});
	let products = 0;
	let count = 0;
	for (const g of groups.values()) {
		products += g.sum * g.sum - g.squares;
		count += g.n * (g.n - 1);
	}
	return { products, count };
}

const minus = (a: Pairs, ...b: Pairs[]): Pairs =>
	b.reduce((acc, x) => ({ products: acc.products - x.products, count: acc.count - x.count }), a);
const plus = (a: Pairs, b: Pairs): Pairs => ({
	products: a.products + b.products,
	count: a.count + b.count
});
const mean = (p: Pairs) => (p.count > 0 ? p.products / p.count : null);

/** Distributions and variance shares of a pilot round (see the module comment). */
export function pilotEstimates(
	rows: readonly PilotRating[],
	scale: readonly number[],
	names: { better: string; than: string }
): PilotEstimates {
	const used = rows.filter((r) => !r.repeat && scale.includes(r.score));
	const distribution = (checkpoint: string) => {
		const scores = used.filter((r) => r.checkpoint === checkpoint).map((r) => r.score);
		if (!scores.length) return null;
		return scale.map((v) => scores.filter((s) => s === v).length / scores.length);
	};
	const means = new Map<string, { sum: number; n: number }>();
	for (const r of used) {
		const m = means.get(r.checkpoint) ?? { sum: 0, n: 0 };
		m.sum += r.score;
		m.n++;
		means.set(r.checkpoint, m);
	}
	const centred = used.map((r) => {
		const m = means.get(r.checkpoint)!;
		return r.score - m.sum / m.n;
	});
	const key = (...parts: string[]) => parts.join('\u0000');
	const letter = withinGroups(
		centred,
		used.map((r) => key(r.caseId, r.checkpoint))
	);
	const byCase = withinGroups(
		centred,
		used.map((r) => r.caseId)
	);
	const byRater = withinGroups(
		centred,
		used.map((r) => r.rater)
	);
	const caseRater = withinGroups(
		centred,
		used.map((r) => key(r.caseId, r.rater))
	);
	const letterRater = withinGroups(
		centred,
		used.map((r) => key(r.caseId, r.checkpoint, r.rater))
	);
	const sameLetter = mean(minus(letter, letterRater));
	const caseOnly = mean(plus(minus(byCase, letter, caseRater), letterRater));
	const raterOnly = mean(minus(byRater, caseRater));
	const variance = centred.reduce((s, v) => s + v * v, 0) / Math.max(1, centred.length);
	const shareOf = (v: number | null) =>
		v === null || !(variance > 0) ? null : Math.max(0, v) / variance;
	let caseShare = shareOf(caseOnly);
	let interactionShare =
		sameLetter === null ? null : shareOf(sameLetter - Math.max(0, caseOnly ?? 0));
	let raterShare = shareOf(raterOnly);
	const total = (caseShare ?? 0) + (interactionShare ?? 0) + (raterShare ?? 0);
	if (total > MAX_TOTAL_SHARE) {
		const f = MAX_TOTAL_SHARE / total;
		caseShare = caseShare === null ? null : caseShare * f;
		interactionShare = interactionShare === null ? null : interactionShare * f;
		raterShare = raterShare === null ? null : raterShare * f;
	}
	return {
		ratings: used.length,
		cases: new Set(used.map((r) => r.caseId)).size,
		raters: new Set(used.map((r) => r.rater)).size,
		than: distribution(names.than),
		better: distribution(names.better),
		caseShare,
		raterShare,
		interactionShare
	};
}
