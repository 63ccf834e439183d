import { describe, expect, it } from 'vitest';
import { bootstrapCi } from './bootstrap';
import { expectClose, reference, type Num } from '../../../tests/support/stats-reference';

interface BootstrapCase {
	name: string;
	statistic: 'pooled-mean' | 'mean-of-case-means' | 'standardized-difference';
	clusters: number[][];
	seed: string;
	replicates: number;
	level: number;
	expected: { estimate: Num; lower: Num; upper: Num; validReplicates: number };
}

const mean = (xs: readonly number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;

/** The statistics of tests/fixtures/reference.py, written independently here. */
const STATISTICS: Record<BootstrapCase['statistic'], (sample: readonly number[][]) => number> = {
	'pooled-mean': (sample) => mean(sample.flat()),
	'mean-of-case-means': (sample) => mean(sample.map(mean)),
	'standardized-difference': (sample) => {
		const d = sample.map(([x, y]) => x! - y!);
		if (d.length < 2) return Number.NaN;
		const m = mean(d);
		const sd = Math.sqrt(d.reduce((s, v) => s + (v - m) ** 2, 0) / (d.length - 1));
		return m / sd;
	}
};

describe('bootstrapCi against the Python port of the seeded resampler (reference.py)', () => {
	it.each(reference.bootstrap as BootstrapCase[])('$name', (c) => {
		const got = bootstrapCi(c.clusters, STATISTICS[c.statistic], {
			seed: c.seed,
			replicates: c.replicates,
			level: c.level
		});
		expect(got.validReplicates).toBe(c.expected.validReplicates);
		expect(got.replicates).toBe(c.replicates);
		expectClose(got.estimate, c.expected.estimate, 'estimate', 1e-14);
		expectClose(got.lower, c.expected.lower, 'lower', 1e-14);
		expectClose(got.upper, c.expected.upper, 'upper', 1e-14);
	});

	it('includes degenerate resamples in the fixture (non-finite statistics dropped)', () => {
		const dropped = (reference.bootstrap as BootstrapCase[]).filter(
			(c) => c.expected.validReplicates < c.replicates
		);
		expect(dropped.length).toBeGreaterThan(0);
	});
});

describe('bootstrapCi behaviour', () => {
	const clusters = [[1, 2], [3], [4, 4, 2], [1], [2, 3]];
	const stat = (s: readonly number[][]) => mean(s.flat());

	it('is reproducible for a seed and changes with it', () => {
		const a = bootstrapCi(clusters, stat, { seed: 's1', replicates: 300 });
		expect(bootstrapCi(clusters, stat, { seed: 's1', replicates: 300 })).toEqual(a);
		expect(bootstrapCi(clusters, stat, { seed: 's2', replicates: 300 })).not.toEqual(a);
		expect(a.lower).toBeLessThanOrEqual(a.estimate);
		expect(a.upper).toBeGreaterThanOrEqual(a.estimate);
		expect(a).toMatchObject({ level: 0.95, replicates: 300, validReplicates: 300 });
	});

	it('resamples whole clusters', () => {
		const seen = new Set<readonly number[]>();
		bootstrapCi(clusters, (s) => (s.forEach((c) => seen.add(c)), 0), { seed: 'x', replicates: 50 });
		for (const c of seen) expect(clusters).toContain(c);
	});

	it('rejects empty input and bad options', () => {
		expect(() => bootstrapCi([], stat, { seed: 'x' })).toThrow(RangeError);
		expect(() => bootstrapCi(clusters, stat, { seed: 'x', level: 1 })).toThrow(RangeError);
		expect(() => bootstrapCi(clusters, stat, { seed: 'x', replicates: 0 })).toThrow(RangeError);
	});
});
