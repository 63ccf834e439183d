import { describe, expect, it } from 'vitest';
import reference from '../../../tests/fixtures/metric-tests-reference.json';
import {
	compareMetrics,
	LABEL_METRICS,
	ROUGE_METRICS,
	type CaseMetricValues,
	type LabelMetric,
	type RougeMetric
} from './metric-tests';

const relativeError = (got: number, want: number) =>
	want === 0 ? Math.abs(got) : Math.abs(got - want) / Math.abs(want);
const close = (got: number | null, want: number | null, what: string) => {
	expect(got, what).not.toBeNull();
	expect(relativeError(got!, want!), `${what}: ${got} vs ${want}`).toBeLessThan(1e-9);
};

type Scenario = (typeof reference.comparisons)[number];

/** The scenario's vectors as per-case metric maps (case ids c000, c001, …). */
function maps(s: Scenario) {
	const xs = new Map<string, CaseMetricValues>();
	const ys = new Map<string, CaseMetricValues>();
	const id = (i: number) => `c${String(i).padStart(3, '0')}`;
	const at = (m: Map<string, CaseMetricValues>, i: number) => {
		let v = m.get(id(i));
		if (!v) m.set(id(i), (v = { rouge: {}, correct: {} }));
		return v;
	};
	for (const r of s.rouge)
		r.x.forEach((x, i) => {
			at(xs, i).rouge![r.metric as RougeMetric] = x!;
			at(ys, i).rouge![r.metric as RougeMetric] = r.y[i]!;
		});
	for (const l of s.labels)
		l.x.forEach((x, i) => {
			at(xs, i).correct![l.metric as LabelMetric] = x;
			at(ys, i).correct![l.metric as LabelMetric] = l.y[i]!;
		});
	return { xs, ys };
}

describe(`compareMetrics against R ${reference.R}`, () => {
	for (const s of reference.comparisons) {
		it(`${s.name} (${s.alternative})`, () => {
			const { xs, ys } = maps(s);
			const c = compareMetrics('ft', 'base', xs, ys, s.alternative as 'greater');
			expect(c.rouge.map((t) => t.metric)).toEqual([...ROUGE_METRICS]);
			expect(c.labels.map((t) => t.metric)).toEqual([...LABEL_METRICS]);
			s.rouge.forEach((want, k) => {
				const got = c.rouge[k]!;
				expect(got.n).toBe(want.x.length);
				expect(got.method, `${want.metric} method`).toBe(want.exact ? 'exact' : 'approx');
				close(got.statistic, want.statistic, `${want.metric} V`);
				close(got.pValue, want.p, `${want.metric} p`);
				close(got.pHolm, want.pHolm, `${want.metric} p Holm`);
				close(got.effectSize, want.r, `${want.metric} r`);
			});
			s.labels.forEach((want, k) => {
				const got = c.labels[k]!;
				expect([got.both, got.onlyX, got.onlyY, got.neither]).toEqual([
					want.both,
					want.onlyX,
					want.onlyY,
					want.neither
				]);
				close(got.pValue, want.p, `${want.metric} p`);
				close(got.pHolm, want.pHolm, `${want.metric} p Holm`);
				close(got.difference, want.difference, `${want.metric} difference`);
				close(got.lower, want.lower, `${want.metric} lower`);
				close(got.upper, want.upper, `${want.metric} upper`);
			});
		});
	}

	it('covers ties, zeros, both sides of the exact threshold and the no-difference case', () => {
		const names = reference.comparisons.map((s) => s.name);
		expect(names).toEqual(
			expect.arrayContaining(['ties-and-zeros', 'threshold-49', 'threshold-50', 'no-difference'])
		);
		const same = reference.comparisons.find((s) => s.name === 'no-difference')!;
		const { xs, ys } = maps(same);
		const c = compareMetrics('ft', 'base', xs, ys, 'greater');
		expect(c.rouge[0]!.pValue).toBe(1);
		expect(c.rouge[0]!.note).toMatch(/all differences are zero/);
		expect(c.labels.map((l) => l.pValue)).toEqual([1, 1, 1]);
		expect(c.labels.every((l) => l.onlyX + l.onlyY === 0 && l.note !== null)).toBe(true);
	});
});

describe('compareMetrics on partial data', () => {
	it('pairs only the cases both checkpoints have, per metric', () => {
		const xs = new Map<string, CaseMetricValues>([
			['a', { rouge: { rouge1: 0.5 }, correct: { modality: true } }],
			['b', { rouge: { rouge1: 0.4 } }],
			['c', { correct: { modality: false } }]
		]);
		const ys = new Map<string, CaseMetricValues>([
			['a', { rouge: { rouge1: 0.3 }, correct: { modality: false } }],
			['b', { rouge: { rouge1: 0.1 } }],
			['d', { rouge: { rouge1: 0.9 }, correct: { modality: true } }]
		]);
		const c = compareMetrics('x', 'y', xs, ys);
		expect(c.rouge[0]!.n).toBe(2);
		expect(c.rouge[0]!.effectSize).toBe(1);
		expect(c.rouge[1]!).toMatchObject({ n: 0, pValue: null, pHolm: null });
		expect(c.labels[0]!).toMatchObject({ n: 1, both: 0, onlyX: 1, onlyY: 0, neither: 0 });
		expect(c.labels[0]!.pValue).toBe(1);
		expect(c.labels[1]!).toMatchObject({ n: 0, pValue: null });
		// Holm over the one ROUGE test with a p-value leaves it unchanged.
		expect(c.rouge[0]!.pHolm).toBe(c.rouge[0]!.pValue);
	});
});
