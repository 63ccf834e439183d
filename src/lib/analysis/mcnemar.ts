/**
 * Paired binary outcomes: one case judged under two conditions (a letter's modality correct
 * under checkpoint x and under checkpoint y; a letter acceptable or not). The exact McNemar test
 * on the discordant pairs, McNemar's χ² as R's mcnemar.test gives it, and the difference of the
 * two proportions with Newcombe's square-and-add interval for paired data.
 * Validated against R 4.2 (binom.test, mcnemar.test, prop.test) in
 * tests/fixtures/make-metric-tests-reference.R.
 */

import { normalUpper } from './distributions';
import { bigTimesPow2, signTest, wilsonInterval } from './pairwise';
import type { Alternative } from './wilcoxon';

/** The 2 × 2 table of paired outcomes. */
export interface PairedCounts {
	/** Cases where both outcomes are positive (a). */
	both: number;
	/** x positive, y negative (b): discordant in favour of x. */
	onlyX: number;
	/** x negative, y positive (c): discordant in favour of y. */
	onlyY: number;
	/** Both negative (d). */
	neither: number;
}

/** The 2 × 2 table of two aligned boolean vectors. */
export function pairedCounts(x: readonly boolean[], y: readonly boolean[]): PairedCounts {
	if (x.length !== y.length) throw new RangeError('pairedCounts: x and y differ in length');
	const t = { both: 0, onlyX: 0, onlyY: 0, neither: 0 };
	x.forEach((xi, i) => {
		const yi = y[i]!;
		if (xi && yi) t.both++;
		else if (xi) t.onlyX++;
		else if (yi) t.onlyY++;
		else t.neither++;
	});
	return t;
}

function checkCount(value: number, name: string): void {
	if (!Number.isInteger(value) || value < 0)
		throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
}

/**
 * P(X ≥ k) for X ~ Binomial(n, ½), summed exactly in integers (Σ_{i ≤ n−k} C(n, i) / 2ⁿ by
 * symmetry), so the only rounding is the final conversion: R's pbinom(k − 1, n, 0.5,
 * lower.tail = FALSE), which is binom.test(k, n, alternative = 'greater')$p.value.
 */
export function binomialUpperHalf(k: number, n: number): number {
	checkCount(n, 'n');
	if (!Number.isInteger(k)) throw new RangeError(`k must be an integer, got ${k}`);
	if (k <= 0) return 1;
	if (k > n) return 0;
	const bn = BigInt(n);
	let term = 1n;
	let sum = 1n;
	for (let i = 1; i <= n - k; i++) {
		term = (term * (bn - BigInt(i) + 1n)) / BigInt(i);
		sum += term;
	}
	return Math.min(1, bigTimesPow2(sum, -n));
}

/**
 * Exact McNemar test (McNemar 1947; the conditional binomial test of Mosteller 1952): given
 * n = b + c discordant pairs, b ~ Binomial(n, ½) under H₀ (the two proportions are equal).
 * - 'two-sided': binom.test(b, n)$p.value (signTest: 2·min tail, capped at 1);
 * - 'greater' (x's proportion is larger): P(B ≥ b) = binom.test(b, n, alternative = 'greater');
 * - 'less': P(B ≤ b) = P(C ≥ c).
 * No discordant pair carries no evidence of a difference: p = 1 (binom.test refuses n = 0).
 */
export function exactMcNemar(onlyX: number, onlyY: number, alternative: Alternative): number {
	checkCount(onlyX, 'onlyX');
	checkCount(onlyY, 'onlyY');
	const n = onlyX + onlyY;
	if (n === 0) return 1;
	if (alternative === 'greater') return binomialUpperHalf(onlyX, n);
	if (alternative === 'less') return binomialUpperHalf(onlyY, n);
	return signTest(onlyX, onlyY);
}

/**
 * McNemar's χ² (1 df) as R's mcnemar.test(matrix(c(a, c, b, d), 2)) with its default continuity
 * correction: (|b − c| − 1)² / (b + c) when b ≠ c, else 0; p = P(χ²₁ ≥ stat) = 2·Q(√stat).
 * Both NaN without discordant pairs (R reports NaN). Shown beside the exact test, which the
 * analysis uses for decisions.
 */
export function mcnemarChiSquare(
	onlyX: number,
	onlyY: number
): { statistic: number; pValue: number } {
	checkCount(onlyX, 'onlyX');
	checkCount(onlyY, 'onlyY');
	const n = onlyX + onlyY;
	if (n === 0) return { statistic: Number.NaN, pValue: Number.NaN };
	const d = Math.abs(onlyX - onlyY);
	const statistic = d === 0 ? 0 : ((d - 1) * (d - 1)) / n;
	return { statistic, pValue: 2 * normalUpper(Math.sqrt(statistic)) };
}

export interface PairedDifference {
	/** p_x − p_y = (b − c)/n; NaN when n = 0. */
	estimate: number;
	lower: number;
	upper: number;
	/** p_x = (a + b)/n and p_y = (a + c)/n. */
	px: number;
	py: number;
}

/**
 * Difference of two paired proportions p_x − p_y with Newcombe's hybrid score interval for
 * paired data (Newcombe 1998, Stat Med 17:2635–2650, method 10; recommended by Fagerland,
 * Lydersen & Laake 2014): with Wilson intervals [l₁, u₁] of p_x and [l₂, u₂] of p_y (R's
 * prop.test(correct = FALSE), wilsonInterval) and φ = (ad − bc)/√((a+b)(c+d)(a+c)(b+d)) (0 when
 * a margin is 0),
 *   lower = D − √((p_x − l₁)² − 2φ(p_x − l₁)(u₂ − p_y) + (u₂ − p_y)²),
 *   upper = D + √((u₁ − p_x)² − 2φ(u₁ − p_x)(p_y − l₂) + (p_y − l₂)²).
 * It stays inside [−1, 1]. Like every interval built on φ it narrows as the outcomes agree: with
 * no discordant pair and φ = 1 it is the point 0. n = 0: estimate NaN, interval [−1, 1].
 */
export function pairedDifferenceCi(t: PairedCounts, confidence = 0.95): PairedDifference {
	const { both: a, onlyX: b, onlyY: c, neither: d } = t;
	for (const [v, name] of [
		[a, 'both'],
		[b, 'onlyX'],
		[c, 'onlyY'],
		[d, 'neither']
	] as const)
		checkCount(v, name);
	const n = a + b + c + d;
	if (n === 0) return { estimate: Number.NaN, lower: -1, upper: 1, px: Number.NaN, py: Number.NaN };
	const wx = wilsonInterval(a + b, n, confidence);
	const wy = wilsonInterval(a + c, n, confidence);
	const px = wx.estimate;
	const py = wy.estimate;
	const margins = (a + b) * (c + d) * (a + c) * (b + d);
	const phi = margins === 0 ? 0 : (a * d - b * c) / Math.sqrt(margins);
	const estimate = px - py;
	const dl = Math.sqrt(
		(px - wx.lower) ** 2 - 2 * phi * (px - wx.lower) * (wy.upper - py) + (wy.upper - py) ** 2
	);
	const du = Math.sqrt(
		(wx.upper - px) ** 2 - 2 * phi * (wx.upper - px) * (py - wy.lower) + (py - wy.lower) ** 2
	);
	return { estimate, lower: estimate - dl, upper: estimate + du, px, py };
}
