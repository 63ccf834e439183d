import { describe, expect, it } from 'vitest';
import reference from '../../../tests/fixtures/classification-reference.json';
import { classificationReport } from './classification';

describe('classificationReport', () => {
	it('counts a prediction outside labels ("none") as wrong, by hand', () => {
		const r = classificationReport(
			['C34', 'C50', 'C61', 'C34', 'C50'],
			['C34', 'none', 'C61', 'none', 'C61'],
			['C34', 'C50', 'C61']
		);
		expect(r.accuracy).toBe(2 / 5);
		expect(r.confusion).toEqual([
			[1, 0, 0],
			[0, 0, 1],
			[0, 0, 1]
		]);
		expect(r.predictedOutside).toEqual([1, 1, 0]);
		expect(r.truthOutside).toEqual([0, 0, 0]);
		expect(r.perClass['C34']).toEqual({ precision: 1, recall: 0.5, f1: 2 / 3, support: 2 });
		expect(r.perClass['C50']).toEqual({ precision: 0, recall: 0, f1: 0, support: 2 });
		expect(r.perClass['C61']).toEqual({ precision: 0.5, recall: 1, f1: 2 / 3, support: 1 });
		expect(r.macro.precision).toBeCloseTo(0.5, 15);
		expect(r.macro.recall).toBeCloseTo(0.5, 15);
		expect(r.macro.f1).toBeCloseTo(4 / 9, 15);
		// Micro: 2 TP of 3 predictions within labels, of 5 true samples.
		expect(r.micro.precision).toBeCloseTo(2 / 3, 15);
		expect(r.micro.recall).toBeCloseTo(2 / 5, 15);
		expect(r.micro.f1).toBeCloseTo(0.5, 15);
		expect(r.weighted.precision).toBeCloseTo(0.5, 15);
		expect(r.weighted.recall).toBeCloseTo(0.4, 15);
		expect(r.weighted.f1).toBeCloseTo(0.4, 15);
	});

	it('defaults labels to the sorted union, so micro P = R = F1 = accuracy', () => {
		const r = classificationReport(['b', 'a', 'c', 'a'], ['a', 'a', 'c', 'b']);
		expect(r.labels).toEqual(['a', 'b', 'c']);
		expect(r.micro).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5 });
		expect(r.accuracy).toBe(0.5);
	});

	it('reports zero division as 0 and handles empty input', () => {
		const r = classificationReport(['a', 'a'], ['a', 'b']);
		expect(r.perClass['b']).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
		const empty = classificationReport([], []);
		expect(empty.accuracy).toBe(0);
		expect(empty.labels).toEqual([]);
		expect(empty.macro).toEqual({ precision: 0, recall: 0, f1: 0 });
	});

	it('rejects mismatched lengths and duplicate labels', () => {
		expect(() => classificationReport(['a'], [])).toThrow(RangeError);
		expect(() => classificationReport(['a'], ['a'], ['a', 'a'])).toThrow(RangeError);
	});

	it(`matches scikit-learn ${reference.sklearn} on ${reference.cases.length} cases to 1e-12`, () => {
		let maxError = 0;
		const close = (got: number, want: number, what: string) => {
			const err = Math.abs(got - want);
			maxError = Math.max(maxError, err);
			if (err > 1e-12) expect.fail(`${what}: ${got} ≠ ${want}`);
		};
		for (const c of reference.cases) {
			const r = classificationReport(c.truth, c.predicted, c.labels ?? undefined);
			const e = c.expected;
			expect(r.labels, c.name).toEqual(e.labels);
			expect(r.confusion, c.name).toEqual(e.confusion);
			close(r.accuracy, e.accuracy, `${c.name} accuracy`);
			for (const label of e.labels) {
				const want = e.perClass[label as keyof typeof e.perClass]!;
				const got = r.perClass[label]!;
				expect(got.support, `${c.name} ${label} support`).toBe(want.support);
				for (const k of ['precision', 'recall', 'f1'] as const) {
					close(got[k], want[k], `${c.name} ${label} ${k}`);
				}
			}
			for (const avg of ['macro', 'micro', 'weighted'] as const) {
				for (const k of ['precision', 'recall', 'f1'] as const) {
					close(r[avg][k], e[avg][k], `${c.name} ${avg} ${k}`);
				}
			}
		}
		expect(maxError).toBeLessThan(1e-15);
	});
});
