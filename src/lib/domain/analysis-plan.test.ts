import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors';
import { canonicalJson, describePlan, parseAnalysisPlan } from './analysis-plan';

const scope = { checkpoints: ['base', 'ft', 'other'], dimensions: ['clinical_benefit', 'style'] };
const primary = { better: 'ft', than: 'base', dimension: 'clinical_benefit' };

function issuesOf(value: unknown) {
	try {
		parseAnalysisPlan(value, scope, { file: 'plan.yaml', lineOf: (p) => p.length + 1 });
	} catch (e) {
		if (e instanceof ValidationError) return e.issues;
		throw e;
	}
	throw new Error('expected the plan to be refused');
}

describe('parseAnalysisPlan', () => {
	it('fills the defaults: α 0.05, per-case means, one-sided Wilcoxon, Holm, no exclusions', () => {
		expect(parseAnalysisPlan({ primary }, scope)).toEqual({
			version: 1,
			alpha: 0.05,
			aggregate: 'mean',
			primary: { ...primary, test: 'wilcoxon-signed-rank', alternative: 'greater' },
			secondary: [],
			correction: 'holm',
			agreement: [],
			exclusions: { minCompletion: 0, repeats: 'intra-rater-only' }
		});
	});

	it('names the field, file and line of every problem', () => {
		expect(
			issuesOf({ primary: { ...primary, better: 'gpt' }, alpha: 2, extra: 1 })
				.map((i) => `${i.file}:${i.line}:${i.field}`)
				.sort()
		).toEqual(['plan.yaml:1:(root)', 'plan.yaml:2:alpha']);
		expect(
			issuesOf({
				primary: { ...primary, better: 'gpt', dimension: 'tone' },
				secondary: [{ better: 'ft', than: 'ft', dimension: 'style' }]
			}).map((i) => [i.field, i.message])
		).toEqual([
			['primary.better', 'the round has no checkpoint "gpt"'],
			['primary.dimension', `the round's form has no dimension "tone"`],
			['secondary.0.than', 'compares a checkpoint with itself']
		]);
	});

	it('refuses a pair tested one-sided one way and two-sided (or the other way) elsewhere', () => {
		const issues = issuesOf({
			primary,
			secondary: [
				{ better: 'base', than: 'ft', dimension: 'style' },
				{ better: 'ft', than: 'base', dimension: 'clinical_benefit', alternative: 'two-sided' }
			]
		});
		expect(issues.map((i) => i.field)).toEqual([
			'secondary.0.alternative',
			'secondary.1.alternative',
			'secondary.1'
		]);
	});
});

describe('composites and the round kind', () => {
	it('accepts a composite of form dimensions as a comparison outcome, and describes it', () => {
		const plan = parseAnalysisPlan(
			{
				composites: [{ name: 'overall', mean: ['clinical_benefit', 'style'] }],
				primary: { ...primary, dimension: 'overall' }
			},
			{ ...scope, kind: 'absolute' }
		);
		expect(plan.primary).toEqual({
			...primary,
			dimension: 'overall',
			test: 'wilcoxon-signed-rank',
			alternative: 'greater'
		});
		expect(describePlan(plan)[1]).toBe(
			'Composite overall: the mean of clinical_benefit, style, per rater and letter (only letters scored on all of them).'
		);
	});

	it('refuses a composite naming an unknown dimension, one twice, or a taken name, by field', () => {
		expect(
			issuesOf({
				composites: [
					{ name: 'style', mean: ['clinical_benefit', 'tone'] },
					{ name: 'overall', mean: ['style', 'style'] },
					{ name: 'overall', mean: ['style', 'clinical_benefit'] },
					{ name: 'one', mean: ['style'] }
				],
				primary: { ...primary, dimension: 'overal' }
			}).map((i) => [i.field, i.message])
		).toEqual([['composites.3.mean', 'Too small: expected array to have >=2 items']]);
		expect(
			issuesOf({
				composites: [
					{ name: 'style', mean: ['clinical_benefit', 'tone'] },
					{ name: 'overall', mean: ['style', 'style'] },
					{ name: 'overall', mean: ['style', 'clinical_benefit'] }
				],
				primary: { ...primary, dimension: 'overal' }
			}).map((i) => [i.field, i.message])
		).toEqual([
			['composites.0.name', '"style" is a dimension of the form already'],
			['composites.0.mean.1', `the round's form has no dimension "tone"`],
			['composites.1.mean.1', 'names "style" twice'],
			['composites.2.name', 'repeats the composite "overall"'],
			[
				'primary.dimension',
				`the round's form has no dimension "overal" and the plan no composite of that name`
			]
		]);
	});

	it('gives a pairwise round the sign test, and refuses composites and the other test there', () => {
		const pairwise = { ...scope, kind: 'pairwise' as const };
		expect(parseAnalysisPlan({ primary }, pairwise).primary.test).toBe('sign-test');
		const issues = (() => {
			try {
				parseAnalysisPlan(
					{
						composites: [{ name: 'overall', mean: ['clinical_benefit', 'style'] }],
						primary: { ...primary, test: 'wilcoxon-signed-rank' }
					},
					pairwise
				);
			} catch (e) {
				if (e instanceof ValidationError) return e.issues.map((i) => i.field);
			}
			return [];
		})();
		expect(issues).toEqual(['composites.0', 'primary.test']);
		expect(() =>
			parseAnalysisPlan(
				{ primary: { ...primary, test: 'sign-test' } },
				{ ...scope, kind: 'absolute' }
			)
		).toThrow(ValidationError);
		expect(describePlan(parseAnalysisPlan({ primary }, pairwise))[0]).toBe(
			"Primary: ft > base on clinical_benefit (exact sign test, ties excluded, one-sided), on the raters' preferences, at α = 0.05."
		);
	});
});

describe('canonicalJson', () => {
	it('is the same whatever the key order, at every depth', () => {
		const a = parseAnalysisPlan({ primary, alpha: 0.01, agreement: ['icc'] }, scope);
		const b = parseAnalysisPlan(
			{
				agreement: ['icc'],
				alpha: 0.01,
				primary: { dimension: 'clinical_benefit', than: 'base', better: 'ft' }
			},
			scope
		);
		expect(canonicalJson(b)).toBe(canonicalJson(a));
		expect(canonicalJson({ b: [{ z: 1, a: null }], a: 'x', u: undefined })).toBe(
			'{"a":"x","b":[{"a":null,"z":1}]}'
		);
	});

	it('tells different plans apart and refuses non-finite numbers', () => {
		const a = parseAnalysisPlan({ primary }, scope);
		const b = parseAnalysisPlan({ primary, alpha: 0.01 }, scope);
		expect(canonicalJson(a)).not.toBe(canonicalJson(b));
		expect(() => canonicalJson({ x: Number.NaN })).toThrow(RangeError);
	});
});

describe('describePlan', () => {
	it('states the primary comparison, correction, agreement and exclusions', () => {
		const plan = parseAnalysisPlan(
			{
				primary,
				secondary: [{ better: 'ft', than: 'base', dimension: 'style' }],
				correction: 'bh',
				agreement: ['krippendorff-alpha'],
				exclusions: { minCompletion: 0.8 }
			},
			scope
		);
		expect(describePlan(plan)).toEqual([
			'Primary: ft > base on clinical_benefit (Wilcoxon signed-rank, one-sided), on per-case means over raters, at α = 0.05.',
			'Secondary (Benjamini–Hochberg over 1): ft > base on style (Wilcoxon signed-rank, one-sided).',
			'Agreement to report: krippendorff-alpha.',
			'Exclusions: raters below 80% completion; repeated items serve intra-rater agreement only.'
		]);
	});
});
