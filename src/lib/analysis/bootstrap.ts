import { randomInt, seededRng } from '../domain/random';
import { quantileSorted } from './descriptive';

export interface BootstrapOptions {
	/** Seed string for seededRng: the same seed gives the same interval on every machine. */
	seed: string;
	/** Number of resamples B. Default 2000. */
	replicates?: number;
	/** Confidence level. Default 0.95. */
	level?: number;
}

export interface BootstrapCi {
	/** The statistic on the original clusters. */
	estimate: number;
	lower: number;
	upper: number;
	level: number;
	replicates: number;
	/** Replicates whose statistic was finite; only these enter the percentiles. */
	validReplicates: number;
}

/**
 * Seeded cluster (case) bootstrap percentile interval (Efron & Tibshirani 1993, §13.3; Davison &
 * Hinkley 1997, §3.8 for resampling clusters). Each replicate draws n clusters with replacement
 * from the n given clusters — e.g. one cluster per case holding all its ratings, so the
 * dependence between ratings of one case (raters, checkpoints) is kept — and evaluates
 * `statistic` on them. The interval is the (1 − level)/2 and (1 + level)/2 quantiles of the
 * replicates by R's type 7 (quantile() default), matching R's quantile(t, c(0.025, 0.975)) on
 * the same replicates (boot.ci's "perc" interpolates differently).
 *
 * Draws: rng = seededRng(seed); for each replicate, for each of the n slots, the cluster at
 * index ⌊rng()·n⌋. Replicates whose statistic is not finite (e.g. a ratio with zero denominator
 * in a degenerate resample) are left out and counted in validReplicates; the bounds are NaN if
 * none is finite. Validated value for value against an independent Python port of the
 * generator and percentile step (tests/fixtures/reference.py).
 */
export function bootstrapCi<T>(
	clusters: readonly T[],
	statistic: (sample: readonly T[]) => number,
	options: BootstrapOptions
): BootstrapCi {
	const { seed, replicates = 2000, level = 0.95 } = options;
	const n = clusters.length;
	if (n === 0) throw new RangeError('bootstrapCi: no clusters');
	if (!Number.isInteger(replicates) || replicates < 1) {
		throw new RangeError('bootstrapCi: replicates must be a positive integer');
	}
	if (!(level > 0 && level < 1)) throw new RangeError('bootstrapCi: level must lie in (0, 1)');
	const rng = seededRng(seed);
	const values: number[] = [];
	for (let b = 0; b < replicates; b++) {
		// A fresh array per replicate: the statistic may keep a reference to its sample.
		const sample = Array.from({ length: n }, () => clusters[randomInt(rng, n)]!);
		const value = statistic(sample);
		if (Number.isFinite(value)) values.push(value);
	}
	values.sort((p, q) => p - q);
	const tail = (1 - level) / 2;
	return {
		estimate: statistic(clusters),
		lower: quantileSorted(values, tail),
		upper: quantileSorted(values, 1 - tail),
		level,
		replicates,
		validReplicates: values.length
	};
}
