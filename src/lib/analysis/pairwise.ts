/**
 * Statistics for pairwise comparison rounds (rater sees letters A and B, picks one or a tie):
 * Wilson interval of a win rate, exact sign test, Bradley–Terry strengths.
 * Validated against R 4.2 (binom.test, prop.test, glm) in tests/fixtures/make-pairwise-reference.R.
 */

import { normalQuantile } from './distributions';

export interface ProportionInterval {
	/** successes / n (NaN when n = 0). */
	estimate: number;
	lower: number;
	upper: number;
}

function checkCount(value: number, name: string): void {
	if (!Number.isInteger(value) || value < 0) {
		throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
	}
}

/**
 * Wilson score interval for a binomial proportion (Wilson 1927), two-sided, without continuity
 * correction — R's `prop.test(x, n, conf.level = confidence, correct = FALSE)$conf.int`:
 * with p̂ = x/n, z = Φ⁻¹((1 + confidence)/2) (AS 241, distributions.ts), bounds
 * (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n); the lower bound is exactly 0 at x = 0 and
 * the upper exactly 1 at x = n. n = 0 carries no information: estimate NaN, interval [0, 1].
 */
export function wilsonInterval(
	successes: number,
	n: number,
	confidence = 0.95
): ProportionInterval {
	checkCount(successes, 'successes');
	checkCount(n, 'n');
	if (successes > n) throw new RangeError(`successes (${successes}) exceed n (${n})`);
	if (!(confidence > 0 && confidence < 1)) throw new RangeError('confidence must be in (0, 1)');
	if (n === 0) return { estimate: Number.NaN, lower: 0, upper: 1 };
	const p = successes / n;
	const z = normalQuantile((1 + confidence) / 2);
	// Written as R's prop.test does, so the two agree to the last bits.
	const z22n = (z * z) / (2 * n);
	const spread = (x: number) => z * Math.sqrt((x * (1 - x)) / n + z22n / (2 * n));
	const upper = p >= 1 ? 1 : (p + z22n + spread(p)) / (1 + 2 * z22n);
	const lower = p <= 0 ? 0 : (p + z22n - spread(p)) / (1 + 2 * z22n);
	return { estimate: p, lower, upper };
}

/** BigInt → double for values that may exceed 2^1024, then scaled by 2^exponent. */
export function bigTimesPow2(value: bigint, exponent: number): number {
	const bits = value.toString(2).length;
	const shift = Math.max(0, bits - 64);
	return Number(value >> BigInt(shift)) * 2 ** (exponent + shift);
}

/** Σ_{i ≤ k} C(n, i), exactly, in integers. */
function binomialLowerSum(n: number, k: number): bigint {
	const bn = BigInt(n);
	let term = 1n;
	let sum = 1n;
	for (let i = 1; i <= k; i++) {
		term = (term * (bn - BigInt(i) + 1n)) / BigInt(i);
		sum += term;
	}
	return sum;
}

/**
 * Exact two-sided sign test: p-value of `wins` against `losses` under H0 P(win) = 1/2, ties
 * excluded beforehand — R's `binom.test(wins, wins + losses)$p.value`. With n = wins + losses and
 * k = min(wins, losses), p = min(1, 2·Σ_{i≤k} C(n, i) / 2ⁿ), summed exactly in integers so the
 * only rounding is the final conversion. Returns 1 when n = 0 (no evidence either way).
 */
export function signTest(wins: number, losses: number): number {
	checkCount(wins, 'wins');
	checkCount(losses, 'losses');
	const n = wins + losses;
	if (n === 0) return 1;
	const k = Math.min(wins, losses);
	if (2 * k === n) return 1;
	// 2·sum / 2^n = sum · 2^-(n-1); below 1 because k < n/2.
	return Math.min(1, bigTimesPow2(binomialLowerSum(n, k), -(n - 1)));
}

/**
 * Exact one-sided sign test: p-value of `wins` against `losses` under H0 P(win) = 1/2 against
 * the alternative P(win) > 1/2, ties excluded beforehand — R's
 * `binom.test(wins, wins + losses, alternative = "greater")$p.value`. With n = wins + losses,
 * p = P(X ≥ wins) = Σ_{i ≤ losses} C(n, i) / 2ⁿ, summed exactly in integers. Returns 1 when
 * n = 0 (no evidence either way).
 */
export function signTestGreater(wins: number, losses: number): number {
	checkCount(wins, 'wins');
	checkCount(losses, 'losses');
	const n = wins + losses;
	if (n === 0) return 1;
	return Math.min(1, bigTimesPow2(binomialLowerSum(n, losses), -n));
}

export interface PairwiseComparison {
	a: string;
	b: string;
	winner: 'a' | 'b' | 'tie';
}

export interface BradleyTerryOptions {
	/** Stop when no strength changes by more than this, relative to itself. Default 1e-12. */
	tolerance?: number;
	/** Default 100 000. */
	maxIterations?: number;
}

export interface BradleyTerryResult {
	/** π_i, normalized to sum 1; P(i beats j) = π_i / (π_i + π_j). */
	strengths: Record<string, number>;
	/** Wins per item, ties counted as ½. */
	wins: Record<string, number>;
	iterations: number;
	converged: boolean;
	/**
	 * Whether every item beat (or tied) some item of every other group: the condition (Hunter
	 * 2004, Assumption 1; Ford 1957) for a finite maximum-likelihood estimate with all π_i > 0.
	 * When false, items that never won get 0 and the estimate may not converge (an unbeaten item's
	 * strength grows without bound).
	 */
	identifiable: boolean;
}

/**
 * Bradley–Terry strengths (Bradley & Terry 1952) by the minorization–maximization algorithm of
 * Hunter (2004, Ann. Statist. 32(1), eq. 3): π_i ← W_i / Σ_{j≠i} n_ij / (π_i + π_j), where W_i is
 * i's number of wins and n_ij the number of comparisons of i with j, then renormalized to
 * Σ π_i = 1 (the model fixes only ratios; a sum of 1 makes π_i a share of total strength).
 * A tie counts as half a win for each side, so it is not a separate outcome (not Davidson's
 * 1970 tie model); the estimate is the maximum-likelihood one with those fractional wins, which
 * equals a logistic regression of wins on item indicators. Items are keyed by name; a comparison
 * of an item with itself is rejected.
 */
export function bradleyTerry(
	comparisons: readonly PairwiseComparison[],
	opts: BradleyTerryOptions = {}
): BradleyTerryResult {
	const tolerance = opts.tolerance ?? 1e-12;
	const maxIterations = opts.maxIterations ?? 100_000;
	const names = [...new Set(comparisons.flatMap((c) => [c.a, c.b]))].sort();
	const index = new Map(names.map((name, i) => [name, i]));
	const k = names.length;
	const wins = new Float64Array(k);
	// games[i*k + j]: comparisons of i with j; beat[i*k + j]: i's (half-)wins over j.
	const games = new Float64Array(k * k);
	const beat = new Float64Array(k * k);
	for (const c of comparisons) {
		if (c.a === c.b) throw new RangeError(`comparison of ${c.a} with itself`);
		const i = index.get(c.a)!;
		const j = index.get(c.b)!;
		games[i * k + j]!++;
		games[j * k + i]!++;
		const wi = c.winner === 'a' ? 1 : c.winner === 'tie' ? 0.5 : 0;
		wins[i]! += wi;
		wins[j]! += 1 - wi;
		beat[i * k + j]! += wi;
		beat[j * k + i]! += 1 - wi;
	}

	let pi = new Float64Array(k).fill(k === 0 ? 0 : 1 / k);
	let iterations = 0;
	let converged = k <= 1;
	while (!converged && iterations < maxIterations) {
		iterations++;
		const next = new Float64Array(k);
		for (let i = 0; i < k; i++) {
			if (wins[i] === 0) continue; // the likelihood is maximal at π_i = 0
			let denominator = 0;
			for (let j = 0; j < k; j++) {
				const nij = games[i * k + j]!;
				if (nij > 0) denominator += nij / (pi[i]! + pi[j]!);
			}
			next[i] = wins[i]! / denominator;
		}
		const total = next.reduce((a, b) => a + b, 0);
		let change = 0;
		for (let i = 0; i < k; i++) {
			next[i] = next[i]! / total;
			if (next[i]! > 0) change = Math.max(change, Math.abs(next[i]! - pi[i]!) / next[i]!);
		}
		pi = next;
		converged = change <= tolerance;
	}

	const strengths: Record<string, number> = {};
	const winsOut: Record<string, number> = {};
	names.forEach((name, i) => {
		strengths[name] = pi[i]!;
		winsOut[name] = wins[i]!;
	});
	return {
		strengths,
		wins: winsOut,
		iterations,
		converged,
		identifiable: stronglyConnected(k, beat)
	};
}

/** Whether the directed graph i → j (i won at least half a game against j) is strongly connected. */
function stronglyConnected(k: number, beat: Float64Array): boolean {
	if (k <= 1) return true;
	const reaches = (forward: boolean): boolean => {
		const seen = new Uint8Array(k);
		const stack = [0];
		seen[0] = 1;
		while (stack.length > 0) {
			const i = stack.pop()!;
			for (let j = 0; j < k; j++) {
				const edge = forward ? beat[i * k + j]! : beat[j * k + i]!;
				if (edge > 0 && !seen[j]) {
					seen[j] = 1;
					stack.push(j);
				}
			}
		}
		return seen.every((s) => s === 1);
	};
	return reaches(true) && reaches(false);
}
