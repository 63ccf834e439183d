/**
 * Shapes and helpers shared by the sections of the study analysis (study.ts): summaries and
 * intervals with NaN as null, so results survive JSON, and the joint cluster bootstrap.
 */

import { bootstrapCi, type BootstrapCi, type BootstrapOptions } from '../bootstrap';
import { describe, finite, quantileSorted } from '../descriptive';

/** describe() plus min and max, with NaN as null. */
export interface Summary {
	n: number;
	mean: number | null;
	sd: number | null;
	variance: number | null;
	median: number | null;
	q1: number | null;
	q3: number | null;
	iqr: number | null;
	min: number | null;
	max: number | null;
}

/** A bootstrapCi() result with NaN as null. */
export interface Interval {
	estimate: number | null;
	lower: number | null;
	upper: number | null;
	level: number;
	replicates: number;
	validReplicates: number;
}

export interface MeanSd {
	mean: number | null;
	sd: number | null;
}

/** Re-exported for the sections, which take their helpers from here. */
export { finite };

/** map.get(key), computed by make() and stored on the first request. */
export function getOrCreate<K, V>(map: Map<K, V>, key: K, make: () => V): V {
	let value = map.get(key);
	if (value === undefined) {
		value = make();
		map.set(key, value);
	}
	return value;
}

export const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** describe() with min/max and NaN as null. */
export function summarize(values: readonly number[]): Summary {
	const d = describe(values);
	let min = Number.POSITIVE_INFINITY;
	let max = Number.NEGATIVE_INFINITY;
	for (const v of values) {
		if (v < min) min = v;
		if (v > max) max = v;
	}
	return {
		n: d.n,
		mean: finite(d.mean),
		sd: finite(d.sd),
		variance: finite(d.variance),
		median: finite(d.median),
		q1: finite(d.q1),
		q3: finite(d.q3),
		iqr: finite(d.iqr),
		min: finite(min),
		max: finite(max)
	};
}

export function toInterval(ci: BootstrapCi): Interval {
	return {
		estimate: finite(ci.estimate),
		lower: finite(ci.lower),
		upper: finite(ci.upper),
		level: ci.level,
		replicates: ci.replicates,
		validReplicates: ci.validReplicates
	};
}

/**
 * bootstrapCi for m statistics at once, from one resampling of the clusters: each replicate
 * evaluates all m, and component j gets exactly the interval bootstrapCi(clusters, s ⇒
 * statistics(s)[j], options) would give (same seed, same draws, same type-7 percentiles of the
 * finite replicates). It relies on bootstrapCi calling the statistic once per replicate in order
 * and then once on the original clusters (bootstrap.ts) and checks that against bootstrapCi's own
 * result for component 0. One resampling instead of m saves bootstrapCi's per-replicate sample
 * allocation m − 1 times, and the components stay jointly distributed.
 */
export function jointBootstrap<T>(
	clusters: readonly T[],
	statistics: (sample: readonly T[]) => ArrayLike<number>,
	m: number,
	options: BootstrapOptions
): BootstrapCi[] {
	if (m === 0) return [];
	const recorded = Array.from({ length: m }, () => [] as number[]);
	const first = bootstrapCi(
		clusters,
		(sample) => {
			const values = statistics(sample);
			for (let j = 0; j < m; j++) recorded[j]!.push(values[j]!);
			return values[0]!;
		},
		options
	);
	const level = first.level;
	const tail = (1 - level) / 2;
	const out = recorded.map((values): BootstrapCi => {
		if (values.length !== first.replicates + 1) {
			throw new Error('internal: bootstrapCi did not call the statistic once per replicate');
		}
		const estimate = values.pop()!;
		const finiteValues = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
		return {
			estimate,
			lower: quantileSorted(finiteValues, tail),
			upper: quantileSorted(finiteValues, 1 - tail),
			level,
			replicates: first.replicates,
			validReplicates: finiteValues.length
		};
	});
	const check = out[0];
	if (
		check &&
		!(
			Object.is(check.estimate, first.estimate) &&
			Object.is(check.lower, first.lower) &&
			Object.is(check.upper, first.upper)
		)
	) {
		throw new Error('internal: joint bootstrap disagrees with bootstrapCi');
	}
	return out;
}
