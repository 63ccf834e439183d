import { describe, expect, it } from 'vitest';
import { issuesOf } from '../../../tests/support/issues';
import { parseCheckpointManifest, ManifestError } from './checkpoint-manifest';
import {
	csvRecordToCase,
	primaryForm,
	validateCases,
	validateOutputs,
	validateStudyFile
} from './study-definition';
import {
	DEFAULT_TASK,
	isMultiTask,
	promptFor,
	referenceOf,
	resolveTasks,
	storedTaskKeys
} from './tasks';

const anchors = ['a', 'b', 'c', 'd'];
const form = { dimensions: [{ key: 'overall', label: 'Overall', anchors }] };
const base = {
	name: 'S',
	seed: 1,
	cases: 'cases.jsonl',
	checkpoints: [{ name: 'base', outputs: 'outputs/base.jsonl' }]
};
const multi = {
	...base,
	tasks: [
		{ key: 'letter', label: 'Letter', form, reference: 'reference' },
		{ key: 'regimen', form },
		{ key: 'modality', metrics: ['modality'] }
	]
};

describe('study tasks', () => {
	it('gives a study without tasks one implicit task with its form and reference', () => {
		const study = validateStudyFile({ ...base, form }, 'study.yaml');
		const tasks = resolveTasks(study);
		expect(tasks).toEqual([
			{
				key: DEFAULT_TASK,
				label: 'Letter',
				form: study.form,
				reference: 'reference',
				metrics: ['rouge', 'modality', 'icd10'],
				extraction: null
			}
		]);
		expect(isMultiTask(tasks)).toBe(false);
		expect(storedTaskKeys(null)).toEqual([DEFAULT_TASK]);
	});

	it('fills in the defaults of declared tasks', () => {
		const study = validateStudyFile(multi, 'study.yaml');
		const tasks = resolveTasks(study);
		expect(tasks.map((t) => [t.key, t.label, t.reference, t.metrics, !!t.form])).toEqual([
			['letter', 'Letter', 'reference', ['rouge'], true],
			['regimen', 'regimen', 'references.regimen', ['rouge'], true],
			['modality', 'modality', 'references.modality', ['modality'], false]
		]);
		expect(isMultiTask(tasks)).toBe(true);
		expect(primaryForm(study)).toEqual(study.tasks![0]!.form);
		expect(storedTaskKeys(tasks)).toEqual(['letter', 'regimen', 'modality']);
	});

	it('names file, line and field of every bad task', () => {
		const lines: Record<string, number> = { 'tasks.1.key': 7, form: 3, 'tasks.2.reference': 11 };
		const issues = issuesOf(() =>
			validateStudyFile(
				{
					...base,
					form,
					tasks: [
						{ key: 'letter', form },
						{ key: 'letter' },
						{ key: 'x', reference: 'source.plan' },
						{ key: 'Bad Key' }
					]
				},
				'studies/s/study.yaml',
				(p) => lines[p.join('.')]
			)
		);
		expect(issues).toEqual(
			expect.arrayContaining([
				expect.objectContaining({
					file: 'studies/s/study.yaml',
					line: 7,
					field: 'tasks.1.key',
					message: expect.stringMatching(/duplicate task key "letter"/)
				}),
				expect.objectContaining({
					line: 3,
					field: 'form',
					message: expect.stringMatching(/own form/)
				}),
				expect.objectContaining({ line: 11, field: 'tasks.2.reference' }),
				expect.objectContaining({ field: 'tasks.3.key' })
			])
		);
		expect(issuesOf(() => validateStudyFile(base, 'study.yaml'))).toEqual([
			expect.objectContaining({ field: 'form', message: 'is required' })
		]);
	});

	it('reads a task reference from the case row or a CSV column', () => {
		const [row] = validateCases(
			[
				{
					line: 1,
					value: { id: 'C1', source: { a: 1 }, reference: 'L', references: { regimen: 'R' } }
				}
			],
			'cases.jsonl'
		);
		const [letter, regimen, modality] = resolveTasks(validateStudyFile(multi, 'study.yaml'));
		const c = { reference: row!.value.reference ?? null, references: row!.value.references };
		expect(referenceOf(letter!, c)).toBe('L');
		expect(referenceOf(regimen!, c)).toBe('R');
		expect(referenceOf(modality!, c)).toBeNull();
		expect(csvRecordToCase({ id: 'C1', 'references.regimen': 'R', 'source.x': '' })).toEqual({
			id: 'C1',
			source: {},
			references: { regimen: 'R' }
		});
	});

	it('requires a known task on imported outputs of a multi-task study', () => {
		const rows = [
			{ line: 1, value: { case_id: 'C1', task: 'letter', text: 'a' } },
			{ line: 2, value: { case_id: 'C1', task: 'regimen', text: 'b' } },
			{ line: 3, value: { case_id: 'C1', text: 'c' } },
			{ line: 4, value: { case_id: 'C1', task: 'icd', text: 'd' } },
			{ line: 5, value: { case_id: 'C1', task: 'letter', text: 'e' } }
		];
		const issues = issuesOf(() =>
			validateOutputs(rows, 'out.jsonl', 'base', new Set(['C1']), ['letter', 'regimen'])
		);
		expect(issues).toEqual([
			expect.objectContaining({
				line: 3,
				field: 'task',
				message: expect.stringMatching(/required/)
			}),
			expect.objectContaining({
				line: 4,
				field: 'task',
				message: expect.stringMatching(/unknown task "icd"/)
			}),
			expect.objectContaining({
				line: 5,
				field: 'case_id',
				message: expect.stringMatching(/first on line 1/)
			})
		]);
		// One task: the field is optional and filled in.
		expect(
			validateOutputs([rows[2]!], 'out.jsonl', 'base', new Set(['C1'])).map((o) => o.value.task)
		).toEqual([DEFAULT_TASK]);
	});

	it('takes a manifest prompt per task, else its promptTemplate', () => {
		const manifest = parseCheckpointManifest(
			{
				name: 'm',
				model: 'm.gguf',
				promptTemplate: 'Letter {{a}}',
				prompts: { regimen: 'Regimen {{a}}' }
			},
			'm.yaml'
		);
		expect(promptFor(manifest, 'regimen')).toBe('Regimen {{a}}');
		expect(promptFor(manifest, 'letter')).toBe('Letter {{a}}');
		expect(() =>
			parseCheckpointManifest(
				{ name: 'm', model: 'm.gguf', promptTemplate: 'x {{a}}', prompts: { regimen: 'none' } },
				'm.yaml'
			)
		).toThrow(ManifestError);
	});
});
