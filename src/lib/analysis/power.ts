// Over 300 lines: one simulation model; its sampler, test, curve and sample-size search share
// the model's types and the derivation written beside the code.
/**
 * Power and sample-size planning for a round's primary comparison (issue 13): Monte Carlo
 * simulation of ordinal ratings with case and rater random effects, each simulated round scored
 * per case (mean or median over raters) and tested by the analysis's own Wilcoxon signed-rank
 * code (wilcoxon.ts, as study/comparisons.ts calls it), at the plan's α and alternative.
 *
 * The rating model (a latent normal, "liability", model with thresholds per checkpoint):
 *   Y*_{c,k,r} = u_c + w_{c,k} + v_r + e_{c,k,r},   u ~ N(0, σ²_case), w ~ N(0, σ²_case×checkpoint),
 *   v ~ N(0, σ²_rater), e ~ N(0, 1 − σ²_case − σ²_case×checkpoint − σ²_rater),
 * so Y* ~ N(0, 1) for every letter, and the score is the j-th scale value when
 * τ_{k,j−1} < Y* ≤ τ_{k,j} with τ_{k,j} = Φ⁻¹(P_k(score ≤ j)). Each checkpoint's scores then
 * follow exactly the distribution entered for it, and the shares set how scores correlate: two
 * raters of one letter share σ²_case + σ²_case×checkpoint; the two letters of a case share σ²_case;
 * one rater's scores share σ²_rater (which cancels in a case's difference when the same raters
 * score both letters, as in a fully crossed design, and does not when a balanced design draws
 * each letter's raters from the pool).
 *
 * Reproducible: replication i draws from seededRng(`${seed}/${i}`) alone, rater effects first and
 * then case after case, so the simulated round with n cases is the first n cases of the one with
 * more (common random numbers: the power curve is smooth in n and the same seed gives the same
 * answer whatever else is computed). Monte Carlo standard error √(p(1 − p)/reps) with each
 * estimate. Pure: no I/O; the caller drives the generators (and may yield between steps).
 */
import { seededRng, type Rng } from '../domain/random';
import { normalCdf, normalQuantile } from './distributions';
import { wilcoxonSignedRank } from './wilcoxon';

export interface LatentModel {
	/** The form's scale values, ascending (1–4 by default). */
	scale: readonly number[];
	/** Expected share of each scale value for the comparator (the plan's `than`). */
	than: readonly number[];
	/** Expected share of each scale value for the checkpoint expected to score higher. */
	better: readonly number[];
	/** Shares of the latent variance (each in [0, 1), together below 1). */
	caseShare: number;
	raterShare: number;
	interactionShare: number;
}

export type PowerDesign =
	| { type: 'fully-crossed'; raters: number }
	/** `raters` in the round; each letter is scored by `ratersPerLetter` of them. */
	| { type: 'balanced'; raters: number; ratersPerLetter: number };

export interface PowerTest {
	alpha: number;
	alternative: 'greater' | 'two-sided';
	aggregate: 'mean' | 'median';
}

export interface PowerPoint {
	cases: number;
	/** Share of simulated rounds whose test rejected at α. */
	power: number;
	/** Monte Carlo standard error √(power·(1 − power)/reps). */
	se: number;
	reps: number;
}

/** Fills x (the better checkpoint) and y (the comparator) with n per-case scores. */
export type PairSampler = (rng: Rng, n: number, x: Float64Array, y: Float64Array) => void;

/** Replications between two yields of the generators below. */
export const REPS_PER_STEP = 100;

/**
 * A bound on the work of one run, in simulated case-letters (cases × (1 + raters per letter) per
 * test), so that a request cannot hold a worker for long; deterministic, unlike a time limit, so
 * the same input either finishes with the same answer or fails the same way.
 */
export interface Budget {
	left: number;
	/** Units per simulated case: 1 + raters per letter. */
	perCase: number;
}

export class BudgetExceeded extends RangeError {
	constructor() {
		super('the simulation needs more work than one run may do: lower reps or the numbers of cases');
	}
}

function spend(budget: Budget | undefined, cases: number) {
	if (!budget) return;
	budget.left -= cases * budget.perCase;
	if (budget.left < 0) throw new BudgetExceeded();
}

function checkDistribution(p: readonly number[], scale: readonly number[], what: string): number[] {
	if (p.length !== scale.length)
		throw new RangeError(`${what}: ${p.length} shares for a scale of ${scale.length} values`);
	if (p.some((v) => !Number.isFinite(v) || v < 0))
		throw new RangeError(`${what}: every share must be a number ≥ 0`);
	const sum = p.reduce((s, v) => s + v, 0);
	if (Math.abs(sum - 1) > 0.011)
		throw new RangeError(`${what}: the shares add up to ${sum.toFixed(3)}, not 1`);
	return p.map((v) => v / sum);
}

/** τ_j = Φ⁻¹(P(score ≤ j)), j = 1 … V − 1 (±∞ where a cumulative share is 0 or 1). */
export function thresholds(p: readonly number[]): Float64Array {
	const tau = new Float64Array(p.length - 1);
	let cumulative = 0;
	for (let j = 0; j < tau.length; j++) {
		cumulative += p[j]!;
		tau[j] = normalQuantile(Math.min(1, Math.max(0, cumulative)));
	}
	return tau;
}

/** Expected score Σ scale_j · p_j. */
export function expectedScore(scale: readonly number[], p: readonly number[]): number {
	return scale.reduce((s, v, j) => s + v * p[j]!, 0);
}

/**
 * The distribution `base` moved by δ on the latent scale, P(score ≤ j) = Φ(τ_j − δ), with δ
 * chosen (by bisection) so that the expected score rises by `meanDifference`: how a mean
 * difference is turned into an expected distribution for the better checkpoint.
 */
export function shiftedDistribution(
	scale: readonly number[],
	base: readonly number[],
	meanDifference: number
): number[] {
	const p = checkDistribution(base, scale, 'baseline');
	const tau = thresholds(p);
	const shifted = (delta: number) => {
		const out: number[] = [];
		let below = 0;
		for (let j = 0; j < tau.length; j++) {
			const cdf = normalCdf(tau[j]! - delta);
			out.push(cdf - below);
			below = cdf;
		}
		out.push(1 - below);
		return out;
	};
	const target = expectedScore(scale, p) + meanDifference;
	if (!(target > scale[0]! && target < scale[scale.length - 1]!))
		throw new RangeError(
			`a mean difference of ${meanDifference} takes the expected score out of the scale`
		);
	let lo = -40;
	let hi = 40;
	for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
		const mid = (lo + hi) / 2;
		if (expectedScore(scale, shifted(mid)) < target) lo = mid;
		else hi = mid;
	}
	return shifted((lo + hi) / 2);
}

/** Standard normal deviates by the Box–Muller transform (two per pair of uniforms). */
function normals(rng: Rng): () => number {
	let spare = Number.NaN;
	return () => {
		if (!Number.isNaN(spare)) {
			const s = spare;
			spare = Number.NaN;
			return s;
		}
		const u = 1 - rng(); // in (0, 1]: the logarithm stays finite
		const radius = Math.sqrt(-2 * Math.log(u));
		const angle = 2 * Math.PI * rng();
		spare = radius * Math.sin(angle);
		return radius * Math.cos(angle);
	};
}

/** Median of the first n values (sorted in place): the middle one, or the mean of the two. */
function median(values: Float64Array, n: number): number {
	const part = values.subarray(0, n).sort();
	return n % 2 ? part[(n - 1) / 2]! : (part[n / 2 - 1]! + part[n / 2]!) / 2;
}

/** Checks a design and returns the raters per letter. */
export function ratersPerLetter(design: PowerDesign): number {
	const { raters } = design;
	if (!Number.isInteger(raters) || raters < 1)
		throw new RangeError('raters must be a whole number ≥ 1');
	if (design.type === 'fully-crossed') return raters;
	const k = design.ratersPerLetter;
	if (!Number.isInteger(k) || k < 1 || k > raters)
		throw new RangeError(`raters per letter must be a whole number from 1 to ${raters}`);
	return k;
}

/**
 * The sampler of the latent model for one design: per case, per letter, the scores of its
 * raters (all of them in a fully crossed design; `ratersPerLetter` drawn at random from the
 * round's raters in a balanced one, independently for the two letters), aggregated per case.
 * The real balanced allocation (designs.ts) also evens out workloads and pair overlaps, which
 * leaves the variance of a case's difference as it is here.
 */
export function ordinalSampler(
	model: LatentModel,
	design: PowerDesign,
	aggregate: PowerTest['aggregate'],
	/** Sees every simulated rating (letter 0: better, 1: than); for tests. */
	record?: (c: number, letter: number, rater: number, score: number) => void
): PairSampler {
	const { scale } = model;
	if (scale.length < 2 || scale.some((v, i) => i > 0 && !(v > scale[i - 1]!)))
		throw new RangeError('the scale needs at least two ascending values');
	const tau = [
		thresholds(checkDistribution(model.better, scale, 'better')),
		thresholds(checkDistribution(model.than, scale, 'than'))
	];
	const shares = [model.caseShare, model.raterShare, model.interactionShare];
	if (shares.some((s) => !Number.isFinite(s) || s < 0 || s >= 1))
		throw new RangeError('each variance share must be in [0, 1)');
	const residual = 1 - shares.reduce((s, v) => s + v, 0);
	if (residual <= 0) throw new RangeError('the variance shares must add up to less than 1');
	const [sdCase, sdRater, sdInteraction] = shares.map(Math.sqrt) as [number, number, number];
	const sdResidual = Math.sqrt(residual);
	const R = design.raters;
	const k = ratersPerLetter(design);
	const pool = new Int32Array(R);
	const raterEffect = new Float64Array(R);
	const scores = new Float64Array(k);
	return (rng, n, x, y) => {
		const normal = normals(rng);
		for (let r = 0; r < R; r++) raterEffect[r] = sdRater * normal();
		for (let r = 0; r < R; r++) pool[r] = r;
		for (let c = 0; c < n; c++) {
			const u = sdCase * normal();
			for (let letter = 0; letter < 2; letter++) {
				const t = tau[letter]!;
				const w = u + sdInteraction * normal();
				// Fully crossed: every rater; balanced: a partial Fisher–Yates draw of k of R.
				if (k < R)
					for (let i = 0; i < k; i++) {
						const j = i + Math.floor(rng() * (R - i));
						const swap = pool[i]!;
						pool[i] = pool[j]!;
						pool[j] = swap;
					}
				let sum = 0;
				for (let i = 0; i < k; i++) {
					const latent = w + raterEffect[pool[i]!]! + sdResidual * normal();
					let j = 0;
					while (j < t.length && latent > t[j]!) j++;
					scores[i] = scale[j]!;
					sum += scale[j]!;
					record?.(c, letter, pool[i]!, scale[j]!);
				}
				const score = aggregate === 'median' ? median(scores, k) : sum / k;
				(letter === 0 ? x : y)[c] = score;
			}
		}
	};
}

/**
 * Whether one simulated round's primary test rejects: the Wilcoxon signed-rank test of x
 * (better) against y on the first n cases, as the analysis runs it (R's defaults: exact below
 * 50 pairs without ties or zeros, else normal with continuity correction; all-zero differences
 * give p = 1), rejecting at p ≤ α as the confirmatory section does.
 */
export function rejects(x: Float64Array, y: Float64Array, n: number, test: PowerTest): boolean {
	const w = wilcoxonSignedRank(Array.from(x.subarray(0, n)), Array.from(y.subarray(0, n)), {
		alternative: test.alternative
	});
	const p = w.n === 0 ? 1 : w.pValue;
	return p <= test.alpha;
}

function checkTest(test: PowerTest) {
	if (!(test.alpha > 0 && test.alpha < 1)) throw new RangeError('α must be in (0, 1)');
}

/**
 * Power at each number of cases in `cases` from `reps` replications: every replication
 * simulates max(cases) cases once and tests each prefix. Yields after every REPS_PER_STEP
 * replications (the share done), returns the points in the order given.
 */
export function* powerCurve(
	sampler: PairSampler,
	cases: readonly number[],
	test: PowerTest,
	reps: number,
	seed: string,
	budget?: Budget
): Generator<number, PowerPoint[]> {
	checkTest(test);
	if (!Number.isInteger(reps) || reps < 1) throw new RangeError('reps must be a whole number ≥ 1');
	if (!cases.length || cases.some((n) => !Number.isInteger(n) || n < 1))
		throw new RangeError('numbers of cases must be whole numbers ≥ 1');
	const nMax = Math.max(...cases);
	const x = new Float64Array(nMax);
	const y = new Float64Array(nMax);
	const hits = new Array<number>(cases.length).fill(0);
	const units = nMax + cases.reduce((sum, n) => sum + n, 0);
	// Refused before any work when the whole run would not fit.
	if (budget && reps * units * budget.perCase > budget.left) throw new BudgetExceeded();
	for (let i = 0; i < reps; i++) {
		spend(budget, units);
		sampler(seededRng(`${seed}/${i}`), nMax, x, y);
		cases.forEach((n, j) => {
			if (rejects(x, y, n, test)) hits[j]!++;
		});
		if ((i + 1) % REPS_PER_STEP === 0 && i + 1 < reps) yield (i + 1) / reps;
	}
	return cases.map((n, j) => point(n, hits[j]!, reps));
}

function point(cases: number, hits: number, reps: number): PowerPoint {
	const power = hits / reps;
	return { cases, power, se: Math.sqrt((power * (1 - power)) / reps), reps };
}

export interface RequiredCases {
	target: number;
	/** Smallest number of cases whose estimated power reaches the target; null beyond maxCases. */
	cases: number | null;
	/** The estimate at `cases` (or at maxCases when not reached). */
	power: number;
	se: number;
}

/**
 * The smallest n in [minCases, maxCases] whose estimated power reaches each target: doubling
 * from minCases until the target is reached, then bisection, every n estimated from the same
 * `reps` replications (common random numbers, so estimates at neighbouring n rarely cross).
 */
export function* requiredCases(
	sampler: PairSampler,
	targets: readonly number[],
	test: PowerTest,
	opts: { reps: number; seed: string; minCases: number; maxCases: number; budget?: Budget }
): Generator<number, RequiredCases[]> {
	const cache = new Map<number, PowerPoint>();
	function* at(n: number): Generator<number, PowerPoint> {
		let p = cache.get(n);
		if (!p) {
			p = (yield* powerCurve(sampler, [n], test, opts.reps, opts.seed, opts.budget))[0]!;
			cache.set(n, p);
		}
		return p;
	}
	const out: RequiredCases[] = [];
	for (const target of targets) {
		let lo = 0; // largest n known below target (0: none tried)
		let hi = opts.minCases;
		let p = yield* at(hi);
		while (p.power < target && hi < opts.maxCases) {
			lo = hi;
			hi = Math.min(opts.maxCases, hi * 2);
			p = yield* at(hi);
		}
		if (p.power < target) {
			out.push({ target, cases: null, power: p.power, se: p.se });
			continue;
		}
		if (lo === 0) lo = Math.max(0, opts.minCases - 1);
		while (hi - lo > 1) {
			const mid = Math.floor((lo + hi) / 2);
			if ((yield* at(mid)).power >= target) hi = mid;
			else lo = mid;
		}
		const found = (yield* at(hi))!;
		out.push({ target, cases: hi, power: found.power, se: found.se });
	}
	return out;
}

/** Runs a generator to its end (tests and scripts; the server yields between steps). */
export function finish<T>(gen: Generator<number, T>): T {
	for (;;) {
		const step = gen.next();
		if (step.done) return step.value;
	}
}

/**
 * Noether's (1987) normal approximation of the one-sided signed-rank test's power with n pairs:
 * Φ(√(3n)·(p′ − ½) − z_{1−α}), with p′ = P(D + D′ > 0) for two independent differences. It uses
 * the null variance of V and drops the O(n) term of its mean, so it holds for continuous
 * differences, moderate effects (p′ up to about 0.7) and n of about 20 and more.
 * Reference: Noether GE (1987), JASA 82:645–647.
 */
export function noetherPower(n: number, pPrime: number, alpha: number): number {
	return normalCdf(Math.sqrt(3 * n) * (pPrime - 0.5) - normalQuantile(1 - alpha));
}

/** Noether's sample size: n = (z_{1−α} + z_{1−β})² / (3 (p′ − ½)²), rounded up. */
export function noetherCases(pPrime: number, alpha: number, power: number): number {
	const z = normalQuantile(1 - alpha) + normalQuantile(power);
	return Math.ceil((z * z) / (3 * (pPrime - 0.5) ** 2));
}
