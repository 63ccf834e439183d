/**
 * The statistics over scales other than 1–4 equal R's: the exact and approximate Wilcoxon
 * signed-rank test over 5-point and yes/no (0/1) scores, Cohen's kappa (unweighted, linear,
 * quadratic) over 5 points, yes/no and the 3-category harm scale with the scale's categories
 * from domain/scales.ts, and the six ICCs over 5-point ratings. Reference values:
 * tests/fixtures/scales-reference.json, made by tests/fixtures/make-scales-reference.sh
 * (R 4.2.2 wilcox.test, psych 2.2.9 cohen.kappa and ICC).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scaleOf, type ScaleSpec } from '../domain/scales';
import { icc, type IccEstimate, type IccForm } from './icc';
import { cohenKappa, type KappaWeights } from './kappa';
import { wilcoxonSignedRank, type Alternative } from './wilcoxon';
import { expectClose } from '../../../tests/support/stats-reference';

interface WilcoxonCase {
	name: string;
	x: number[];
	y: number[];
	alternative: Alternative;
	correction: boolean;
	method: 'exact' | 'approx';
	statistic: number;
	pValue: number;
}
interface KappaCase {
	name: string;
	categories: number[];
	a: number[];
	b: number[];
	none: number;
	linear: number;
	quadratic: number;
}

const fixture = JSON.parse(
	readFileSync(new URL('../../../tests/fixtures/scales-reference.json', import.meta.url), 'utf8')
) as {
	wilcoxon: WilcoxonCase[];
	kappa: KappaCase[];
	icc: { ratings: number[][]; forms: Record<IccForm, Omit<IccEstimate, 'df1' | 'df2'>> };
};

describe('wilcoxonSignedRank over 5-point and yes/no scores against R wilcox.test(paired = TRUE)', () => {
	it('covers the exact test and the normal approximation', () => {
		expect(new Set(fixture.wilcoxon.map((c) => c.method))).toEqual(new Set(['exact', 'approx']));
	});

	it.each(fixture.wilcoxon)(
		'$name, $alternative, correction $correction',
		({ x, y, alternative, correction, method, statistic, pValue }) => {
			const got = wilcoxonSignedRank(x, y, { alternative, correction });
			expect(got.method).toBe(method);
			expectClose(got.statistic, statistic, 'V');
			expectClose(got.pValue, pValue, 'p');
		}
	);
});

/** The scale each kappa case is on, so the categories come from domain/scales.ts. */
const SPECS: Record<string, ScaleSpec> = {
	'5-point': 5,
	'5-point, category 2 unused': 5,
	'yes/no (0/1)': 'yes-no',
	'harm extent (1-3)': 'harm-extent'
};

describe('cohenKappa over k categories against psych::cohen.kappa', () => {
	it.each(fixture.kappa)('$name', (c) => {
		const categories = scaleOf(SPECS[c.name]).scores;
		expect(categories).toEqual(c.categories);
		for (const weights of ['none', 'linear', 'quadratic'] as KappaWeights[])
			expectClose(cohenKappa(c.a, c.b, { weights, categories }), c[weights], weights);
	});

	it('needs the whole scale when a category between used ones is unused', () => {
		const c = fixture.kappa.find((k) => k.name === '5-point, category 2 unused')!;
		expect(new Set([...c.a, ...c.b]).has(2)).toBe(false);
		const observedOnly = cohenKappa(c.a, c.b, { weights: 'linear' });
		expect(Math.abs(observedOnly - c.linear)).toBeGreaterThan(1e-3);
	});
});

describe('icc over 5-point ratings against psych::ICC(lmer = FALSE)', () => {
	it('gives all six forms', () => {
		const got = icc(fixture.icc.ratings);
		for (const [form, expected] of Object.entries(fixture.icc.forms) as [
			IccForm,
			Omit<IccEstimate, 'df1' | 'df2'>
		][]) {
			for (const key of ['value', 'F', 'pValue', 'lower', 'upper'] as const)
				expectClose(got[form][key], expected[key], `${form} ${key}`);
		}
	});
});
