import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors';
import {
	describeAcceptability,
	letterAcceptable,
	parseRule,
	ratingAcceptable,
	unknownDimensions
} from './acceptability';
import { validateStudyFile } from './study-definition';

describe('parseRule', () => {
	it('reads one condition, "every dimension" and conditions joined by and', () => {
		expect(parseRule('clinical_benefit >= 3')).toEqual([
			{ dimension: 'clinical_benefit', operator: '>=', value: 3 }
		]);
		expect(parseRule('every dimension >= 3')).toEqual([
			{ dimension: null, operator: '>=', value: 3 }
		]);
		expect(parseRule('diagnosis>2 AND  all dimensions  >= 2 and overall = 4')).toEqual([
			{ dimension: 'diagnosis', operator: '>', value: 2 },
			{ dimension: null, operator: '>=', value: 2 },
			{ dimension: 'overall', operator: '==', value: 4 }
		]);
	});

	it('says what is wrong with a bad condition', () => {
		expect(parseRule('clinical_benefit => 3')).toMatch(
			/"clinical_benefit => 3" is not a condition/
		);
		expect(parseRule('x >= 3 or y >= 2')).toMatch(/is not a condition/);
		expect(parseRule('')).toMatch(/is not a condition/);
	});

	it('lists the dimensions a form lacks', () => {
		expect(unknownDimensions('a >= 3 and every dimension >= 2 and b < 4', ['a'])).toEqual(['b']);
	});
});

describe('ratingAcceptable and letterAcceptable', () => {
	const scores: Record<string, number> = { a: 3, b: 2 };
	const of = (d: string) => scores[d];

	it('judges one rating; a missing score gives no judgement', () => {
		expect(ratingAcceptable(parseRule('a >= 3') as never, ['a', 'b'], of)).toBe(true);
		expect(ratingAcceptable(parseRule('every dimension >= 3') as never, ['a', 'b'], of)).toBe(
			false
		);
		expect(ratingAcceptable(parseRule('every dimension >= 2') as never, ['a', 'b'], of)).toBe(true);
		expect(ratingAcceptable(parseRule('a >= 3') as never, ['a', 'c'], (d) => scores[d])).toBe(true);
		expect(ratingAcceptable(parseRule('every dimension >= 1') as never, ['a', 'c'], of)).toBeNull();
		expect(ratingAcceptable(parseRule('b < 3 and a == 3') as never, ['a', 'b'], of)).toBe(true);
	});

	it('combines raters: any, all, majority, at least k', () => {
		expect(letterAcceptable(1, 3, 'any')).toBe(true);
		expect(letterAcceptable(2, 3, 'all')).toBe(false);
		expect(letterAcceptable(2, 3, 'majority')).toBe(true);
		expect(letterAcceptable(1, 2, 'majority')).toBe(false);
		expect(letterAcceptable(2, 3, 2)).toBe(true);
		expect(letterAcceptable(1, 1, 2)).toBeNull();
		expect(letterAcceptable(0, 0, 'any')).toBeNull();
	});

	it('describes the rule in a sentence', () => {
		expect(describeAcceptability({ rule: 'a >= 3', raters: 2 })).toMatch(
			/at least 2 of its raters/
		);
	});
});

describe('study.yaml analysis.acceptability', () => {
	const anchors = ['a', 'b', 'c', 'd'];
	const study = (acceptability: unknown) => ({
		name: 'S',
		seed: 1,
		cases: 'cases.jsonl',
		form: { dimensions: [{ key: 'clinical_benefit', label: 'Benefit', anchors }] },
		checkpoints: [{ name: 'base', outputs: 'o.jsonl' }],
		analysis: { acceptability }
	});
	const issues = (acceptability: unknown) => {
		try {
			validateStudyFile(study(acceptability), 'study.yaml', (p) =>
				p.join('.').startsWith('analysis.acceptability') ? 21 : undefined
			);
		} catch (e) {
			expect(e).toBeInstanceOf(ValidationError);
			return (e as ValidationError).issues;
		}
		return [];
	};

	it('accepts a rule and defaults raters to majority', () => {
		const s = validateStudyFile(study({ rule: 'clinical_benefit >= 3' }), 'study.yaml');
		expect(s.analysis?.acceptability).toEqual({
			rule: 'clinical_benefit >= 3',
			raters: 'majority'
		});
	});

	it('names file, line and field for a bad rule, an unknown dimension and a bad k', () => {
		expect(issues({ rule: 'benefit => 3' })).toEqual([
			expect.objectContaining({
				file: 'study.yaml',
				line: 21,
				field: 'analysis.acceptability.rule',
				message: expect.stringMatching(/is not a condition/)
			})
		]);
		expect(issues({ rule: 'overall >= 3' })).toEqual([
			expect.objectContaining({
				field: 'analysis.acceptability.rule',
				message: 'the form has no dimension "overall" (it has clinical_benefit)'
			})
		]);
		expect(issues({ rule: 'clinical_benefit >= 3', raters: 0 })).toEqual([
			expect.objectContaining({ field: 'analysis.acceptability.raters' })
		]);
		expect(issues({ rule: 'clinical_benefit >= 3', extra: 1 })).toHaveLength(1);
	});
});
