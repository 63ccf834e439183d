/**
 * The codebook follows each dimension's scale (domain/scales.ts): its range in the wide column's
 * type and one value label per score (yes/no as 0 No, 1 Yes). A form on the default 4 points
 * keeps the codebook it had before scales byte for byte: the demo study's, absolute and pairwise,
 * equal the files written by the code before scales (tests/fixtures/golden/).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { ratingFormSchema } from '../../domain/rating-form';
import { loadStudy } from '../studies/loader';
import { codebook } from './codebook';

const golden = (name: string) => readFileSync(path.resolve('tests/fixtures/golden', name), 'utf8');

describe('codebook', () => {
	it("is byte-identical to the code before scales on the demo study's 4-point form", () => {
		const form = loadStudy(path.resolve('studies/demo')).study.form!;
		expect(codebook(form, 'absolute')).toBe(golden('demo-codebook.csv'));
		expect(codebook(form, 'pairwise')).toBe(golden('demo-codebook-pairwise.csv'));
	});

	it("gives each dimension its scale's range and value labels", () => {
		const form = ratingFormSchema.parse({
			dimensions: [
				{ key: 'overall', label: 'Overall', anchors: ['a', 'b', 'c', 'd'] },
				{
					key: 'completeness',
					label: 'Completeness',
					scale: 5,
					anchors: ['Unusable', 'Major gaps', 'Some gaps', 'Minor gaps', 'Complete']
				},
				{ key: 'fabrication', label: 'Fabricated content', scale: 'yes-no' },
				{ key: 'harm', label: 'Harm', scale: 'harm-extent' }
			]
		});
		const rows = (parse(codebook(form)) as string[][]).slice(1);
		const row = (variable: string, type?: string) =>
			rows.filter((r) => r[0] === variable && (type === undefined || r[1] === type));
		expect(row('score')[0]!.slice(0, 2)).toEqual(['score', 'integer 0-5']);
		expect(row('overall')[0]![1]).toBe('integer 1-4');
		expect(row('completeness')[0]![1]).toBe('integer 1-5');
		expect(row('fabrication')[0]![1]).toBe('integer 0-1');
		expect(row('harm')[0]![1]).toBe('integer 1-3');
		const values = (variable: string) =>
			rows.filter((r) => r[0] === variable && r[1]!.startsWith('value ')).map((r) => [r[1], r[2]]);
		expect(values('completeness')).toEqual([
			['value 1', 'Unusable'],
			['value 2', 'Major gaps'],
			['value 3', 'Some gaps'],
			['value 4', 'Minor gaps'],
			['value 5', 'Complete']
		]);
		expect(values('fabrication')).toEqual([
			['value 0', 'No'],
			['value 1', 'Yes']
		]);
		expect(values('harm')).toEqual([
			['value 1', 'None'],
			['value 2', 'Mild or moderate'],
			['value 3', 'Severe or death']
		]);
	});
});
