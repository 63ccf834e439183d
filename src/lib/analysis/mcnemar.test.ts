import { describe, expect, it } from 'vitest';
import reference from '../../../tests/fixtures/metric-tests-reference.json';
import {
	binomialUpperHalf,
	exactMcNemar,
	mcnemarChiSquare,
	pairedCounts,
	pairedDifferenceCi
} from './mcnemar';
import { wilsonInterval } from './pairwise';

const relativeError = (got: number, want: number) =>
	want === 0 ? Math.abs(got) : Math.abs(got - want) / Math.abs(want);
const close = (got: number, want: number, what: string) =>
	expect(relativeError(got, want), `${what}: ${got} vs ${want}`).toBeLessThan(1e-9);

describe('binomialUpperHalf', () => {
	it('sums the upper tail of Binomial(n, ½) exactly', () => {
		// P(X ≥ 4 | n = 5) = (5 + 1) / 32.
		expect(binomialUpperHalf(4, 5)).toBe(6 / 32);
		expect(binomialUpperHalf(0, 5)).toBe(1);
		expect(binomialUpperHalf(6, 5)).toBe(0);
		expect(binomialUpperHalf(5, 5)).toBe(1 / 32);
	});
});

describe(`exact McNemar, McNemar χ² and Newcombe's paired interval against R ${reference.R}`, () => {
	for (const t of reference.mcnemar) {
		const name = `a=${t.both} b=${t.onlyX} c=${t.onlyY} d=${t.neither}`;
		it(name, () => {
			close(exactMcNemar(t.onlyX, t.onlyY, 'two-sided'), t.twoSided, 'two-sided');
			close(exactMcNemar(t.onlyX, t.onlyY, 'greater'), t.greater, 'greater');
			close(exactMcNemar(t.onlyX, t.onlyY, 'less'), t.less, 'less');
			const chi = mcnemarChiSquare(t.onlyX, t.onlyY);
			if (t.chiSquare === null) {
				expect(chi.statistic).toBeNaN();
				expect(chi.pValue).toBeNaN();
			} else {
				close(chi.statistic, t.chiSquare, 'χ²');
				close(chi.pValue, t.chiSquareP!, 'χ² p');
			}
			const d = pairedDifferenceCi(t);
			close(d.estimate, t.difference, 'difference');
			close(d.lower, t.lower, 'lower');
			close(d.upper, t.upper, 'upper');
			close(d.px, t.px, 'px');
			close(d.py, t.py, 'py');
		});
	}

	it('gives p = 1, not a crash, without discordant pairs', () => {
		for (const alt of ['two-sided', 'greater', 'less'] as const)
			expect(exactMcNemar(0, 0, alt)).toBe(1);
		const d = pairedDifferenceCi({ both: 0, onlyX: 0, onlyY: 0, neither: 0 });
		expect(d.estimate).toBeNaN();
		expect([d.lower, d.upper]).toEqual([-1, 1]);
	});

	it('rejects counts that are not non-negative integers', () => {
		expect(() => exactMcNemar(-1, 2, 'two-sided')).toThrow(RangeError);
		expect(() => mcnemarChiSquare(1.5, 2)).toThrow(RangeError);
		expect(() => pairedDifferenceCi({ both: 1, onlyX: 0, onlyY: 0.5, neither: 0 })).toThrow(
			RangeError
		);
	});
});

describe('pairedCounts', () => {
	it('tabulates aligned outcomes', () => {
		expect(
			pairedCounts([true, true, false, false, true], [true, false, true, false, false])
		).toEqual({ both: 1, onlyX: 2, onlyY: 1, neither: 1 });
		expect(() => pairedCounts([true], [])).toThrow(RangeError);
	});
});

describe(`Wilson 95% interval (acceptability) against R ${reference.R} prop.test(correct = FALSE)`, () => {
	it(`matches ${reference.wilson.length} intervals`, () => {
		for (const w of reference.wilson) {
			const ci = wilsonInterval(w.x, w.n);
			close(ci.lower, w.lower, `lower ${w.x}/${w.n}`);
			close(ci.upper, w.upper, `upper ${w.x}/${w.n}`);
		}
	});
});
