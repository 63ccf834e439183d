import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { readFileSync } from 'node:fs';
import { ratingFormSchema } from './rating-form';
import { categories, scaleOf } from './scales';
import { DEFAULT_FORM } from './study-setup';
import { validateStudyFile } from './study-definition';
import { issuesOf } from '../../../tests/support/issues';

const four = ['a', 'b', 'c', 'd'];

function issues(form: unknown) {
	const parsed = ratingFormSchema.safeParse(form);
	expect(parsed.success).toBe(false);
	return parsed.error!.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
}

describe('ratingFormSchema scales', () => {
	it('parses a form written before scales to the same value, with no scale key', () => {
		const demo = parseYaml(readFileSync('studies/demo/study.yaml', 'utf8')).form;
		const parsed = ratingFormSchema.parse(demo);
		expect(JSON.stringify(parsed)).toBe(JSON.stringify(demo));
		expect(JSON.stringify(ratingFormSchema.parse(DEFAULT_FORM))).toBe(JSON.stringify(DEFAULT_FORM));
		expect(
			ratingFormSchema.parse({ dimensions: [{ key: 'k', label: 'K', anchors: four }] })
		).toEqual({ dimensions: [{ key: 'k', label: 'K', question: '', anchors: four }] });
	});

	it('drops "scale: 4" as the default', () => {
		const parsed = ratingFormSchema.parse({
			dimensions: [{ key: 'k', label: 'K', anchors: four, scale: 4 }]
		});
		expect(parsed.dimensions[0]).toEqual({ key: 'k', label: 'K', question: '', anchors: four });
	});

	it('keeps points, yes/no and the harm scales, filling a named scale’s English anchors', () => {
		const parsed = ratingFormSchema.parse({
			dimensions: [
				{ key: 'five', label: 'Five', anchors: ['1', '2', '3', '4', '5'], scale: 5 },
				{ key: 'fabricated', label: 'Fabricated content?', scale: 'yes-no' },
				{ key: 'extent', label: 'Harm extent', scale: 'harm-extent' },
				{ key: 'likelihood', label: 'Harm likelihood', scale: 'harm-likelihood' },
				{ key: 'present', label: 'Present?', scale: 'yes-no', anchors: ['Absent', 'Present'] }
			]
		});
		expect(parsed.dimensions.map((d) => [d.scale, d.anchors])).toEqual([
			[5, ['1', '2', '3', '4', '5']],
			['yes-no', ['No', 'Yes']],
			['harm-extent', ['None', 'Mild or moderate', 'Severe or death']],
			['harm-likelihood', ['Low', 'Medium', 'High']],
			['yes-no', ['Absent', 'Present']]
		]);
		// Every stored dimension has one anchor per score, so the range follows from the anchors.
		for (const d of parsed.dimensions) expect(d.anchors).toHaveLength(categories(scaleOf(d.scale)));
		// Parsing the stored form again gives the same form (a form saved and edited again).
		expect(ratingFormSchema.parse(parsed)).toEqual(parsed);
	});

	it('names the field of every scale problem', () => {
		expect(
			issues({
				dimensions: [
					{ key: 'a', label: 'A', anchors: [...four, 'e'], scale: 4 },
					{ key: 'b', label: 'B', anchors: four, scale: 8 },
					{ key: 'c', label: 'C', scale: 'harm' },
					{ key: 'd', label: 'D', anchors: [...four, 'e'] },
					{ key: 'e', label: 'E', scale: 3 },
					{ key: 'f', label: 'F', scale: 'yes-no', anchors: ['x', 'y', 'z'] }
				]
			})
		).toEqual([
			{
				field: 'dimensions.0.anchors',
				message: 'needs exactly 4 anchors (1 to 4) for "scale: 4" (got 5)'
			},
			{
				field: 'dimensions.1.scale',
				message:
					'must be a number of points from 2 to 7, or one of "yes-no", "harm-extent", "harm-likelihood" (got 8)'
			},
			{
				field: 'dimensions.2.scale',
				message:
					'unknown scale "harm": use a number of points from 2 to 7, or one of "yes-no", "harm-extent", "harm-likelihood"'
			},
			{
				field: 'dimensions.3.anchors',
				message: 'needs exactly 4 anchors (1 to 4); for a 5-point scale write "scale: 5"'
			},
			{
				field: 'dimensions.4.anchors',
				message: 'needs exactly 3 anchors (1 to 3) for "scale: 3" (got 0)'
			},
			{
				field: 'dimensions.5.anchors',
				message:
					'"yes-no" has 2 categories (No; Yes): give 2 anchors or leave "anchors" out (got 3)'
			}
		]);
	});

	it('still reports a bad anchor text with the anchor’s index', () => {
		expect(
			issues({ dimensions: [{ key: 'a', label: 'A', anchors: ['a', '', 'c', 'd'] }] })
		).toEqual([
			{
				field: 'dimensions.0.anchors.1',
				message: 'Too small: expected string to have >=1 characters'
			}
		]);
	});
});

describe('scales in study.yaml', () => {
	it('reports a scale problem with file, line and field', () => {
		const lines: Record<string, number> = { 'form.dimensions.0.scale': 31 };
		const issues = issuesOf(() =>
			validateStudyFile(
				{
					name: 'S',
					seed: 1,
					cases: 'cases.jsonl',
					form: { dimensions: [{ key: 'harm', label: 'Harm', scale: 'harm-severity' }] },
					checkpoints: [{ name: 'base', outputs: 'o.jsonl' }]
				},
				'studies/s/study.yaml',
				(p) => lines[p.join('.')]
			)
		);
		expect(issues).toEqual([
			{
				file: 'studies/s/study.yaml',
				line: 31,
				field: 'form.dimensions.0.scale',
				message: expect.stringMatching(/^unknown scale "harm-severity"/)
			}
		]);
	});
});
