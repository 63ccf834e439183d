import { describe, expect, it } from 'vitest';
import { issuesOf } from '../../../tests/support/issues';
import {
	csvRecordToCase,
	parseJsonl,
	validateCases,
	validateOutputs,
	validateStudyFile
} from './study-definition';

const anchors = ['a', 'b', 'c', 'd'];
const validStudy = {
	name: 'S',
	seed: 7,
	cases: 'cases.jsonl',
	form: { dimensions: [{ key: 'diagnosis', label: 'Diagnosis', anchors }] },
	checkpoints: [{ name: 'base', outputs: 'outputs/base.jsonl' }]
};

describe('validateStudyFile', () => {
	it('accepts a valid study and turns the seed into a string', () => {
		expect(validateStudyFile(validStudy, 'study.yaml').seed).toBe('7');
	});

	it('reports every problem with file, line and field', () => {
		const lines: Record<string, number> = {
			'form.dimensions.1.key': 12,
			'form.dimensions.0.anchors': 9
		};
		const issues = issuesOf(() =>
			validateStudyFile(
				{
					...validStudy,
					cases: 'cases.txt',
					form: {
						dimensions: [
							{ key: 'diagnosis', label: 'D', anchors: ['only', 'three', 'anchors'] },
							{ key: 'diagnosis', label: 'Again', anchors }
						]
					},
					checkpoints: [{ name: 'x', manifest: 'm.yaml', outputs: 'o.jsonl' }]
				},
				'studies/s/study.yaml',
				(p) => lines[p.join('.')]
			)
		);
		expect(issues).toContainEqual(
			expect.objectContaining({ file: 'studies/s/study.yaml', field: 'cases' })
		);
		expect(issues).toContainEqual(
			expect.objectContaining({
				field: 'form.dimensions.0.anchors',
				line: 9,
				message: 'needs exactly 4 anchors (1 to 4); for a 3-point scale write "scale: 3"'
			})
		);
		expect(issues).toContainEqual(
			expect.objectContaining({
				field: 'form.dimensions.1.key',
				line: 12,
				message: 'duplicate dimension key "diagnosis"'
			})
		);
		expect(issues).toContainEqual(
			expect.objectContaining({
				field: 'checkpoints.0',
				message: expect.stringMatching(/exactly one of/)
			})
		);
	});

	it('rejects unknown keys (typos must not pass silently)', () => {
		const issues = issuesOf(() => validateStudyFile({ ...validStudy, sede: 1 }, 'study.yaml'));
		expect(issues[0]!.message).toMatch(/sede/);
	});
});

describe('parseJsonl and validateCases', () => {
	it('names the line of malformed JSON', () => {
		const issues = issuesOf(() =>
			parseJsonl('{"id":"A","source":{"x":1}}\n\n{broken\n', 'c.jsonl')
		);
		expect(issues).toEqual([expect.objectContaining({ file: 'c.jsonl', line: 3 })]);
	});

	it('checks fields, gold labels and duplicate ids with their lines', () => {
		const rows = parseJsonl(
			[
				'{"id":"A","source":{"dx":"x"},"gold":{"modality":"photon","icd10":"C61"}}',
				'{"id":"B","source":{},"gold":{"modality":"gamma","icd10":"61"}}',
				'{"id":"A","source":{"dx":"y"}}'
			].join('\n'),
			'c.jsonl'
		);
		const issues = issuesOf(() => validateCases(rows, 'c.jsonl'));
		expect(issues).toContainEqual(expect.objectContaining({ line: 2, field: 'source' }));
		expect(issues).toContainEqual(expect.objectContaining({ line: 2, field: 'gold.modality' }));
		expect(issues).toContainEqual(expect.objectContaining({ line: 2, field: 'gold.icd10' }));
		expect(issues).toContainEqual(
			expect.objectContaining({
				line: 3,
				field: 'id',
				message: 'duplicate case id "A" (first on line 1)'
			})
		);
	});
});

describe('validateOutputs', () => {
	const rows = parseJsonl(
		[
			'{"case_id":"A","text":"Dear Dr. X"}',
			'{"case_id":"Z","text":"x"}',
			'{"case_id":"A","text":"again"}',
			'{"case_id":"B","text":"   "}',
			'{"case_id":"B","checkpoint":"other","text":"y"}'
		].join('\n'),
		'o.jsonl'
	);
	it('reports unknown cases, duplicates, empty text and a foreign checkpoint', () => {
		const issues = issuesOf(() => validateOutputs(rows, 'o.jsonl', 'base', new Set(['A', 'B'])));
		expect(issues).toEqual(
			expect.arrayContaining([
				expect.objectContaining({ line: 2, field: 'case_id', message: 'unknown case "Z"' }),
				expect.objectContaining({
					line: 3,
					field: 'case_id',
					message: expect.stringMatching(/duplicate/)
				}),
				expect.objectContaining({ line: 4, field: 'text', message: 'is empty' }),
				expect.objectContaining({ line: 5, field: 'checkpoint' })
			])
		);
	});
});

describe('csvRecordToCase', () => {
	it('maps special columns and nests dotted source fields', () => {
		expect(
			csvRecordToCase({
				id: 'A',
				reference: 'Dear',
				gold_modality: 'photon',
				gold_icd10: '',
				diagnosis: 'Prostate',
				'radiotherapy.total_dose_gy': '60',
				'radiotherapy.fractions': '20'
			})
		).toEqual({
			id: 'A',
			reference: 'Dear',
			gold: { modality: 'photon' },
			source: { diagnosis: 'Prostate', radiotherapy: { total_dose_gy: '60', fractions: '20' } }
		});
	});
});

describe('text the database cannot store', () => {
	it('is an issue naming file, line and field in study.yaml and in outputs', () => {
		expect(
			issuesOf(() =>
				validateStudyFile({ ...validStudy, name: 'S\u0000' }, 'study.yaml', (p) =>
					p.join('.') === 'name' ? 1 : undefined
				)
			)
		).toEqual([
			{
				file: 'study.yaml',
				line: 1,
				field: 'name',
				message: 'contains a NUL character (U+0000), which cannot be stored'
			}
		]);
		expect(
			issuesOf(() => parseJsonl('{"case_id":"P1","text":"\\ud800 letter"}\n', 'o.jsonl'))
		).toEqual([
			{
				file: 'o.jsonl',
				line: 1,
				field: 'text',
				message: 'contains an unpaired surrogate (U+D800), which is not valid Unicode'
			}
		]);
	});
});
