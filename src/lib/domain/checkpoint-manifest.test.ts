import { describe, expect, it } from 'vitest';
import {
	MAX_AUTO_THREADS,
	ManifestError,
	autoThreads,
	checkpointManifestSchema,
	parseCheckpointManifest,
	renderPrompt,
	resolveThreads,
	templateFields
} from './checkpoint-manifest';

const minimal = {
	name: 'tiny-random',
	model: 'tiny-random.gguf',
	promptTemplate: 'Diagnosis: {{diagnosis}}'
};

function issuesOf(raw: unknown): { path: string; message: string }[] {
	try {
		parseCheckpointManifest(raw, 'm.yaml');
	} catch (err) {
		expect(err).toBeInstanceOf(ManifestError);
		return (err as ManifestError).issues;
	}
	throw new Error('expected a ManifestError');
}

describe('autoThreads', () => {
	it('leaves one core free, uses at least 1 and at most MAX_AUTO_THREADS', () => {
		expect([1, 2, 3, 4, 8, 9, 16, 64].map(autoThreads)).toEqual([1, 1, 2, 3, 7, 8, 8, 8]);
		expect(MAX_AUTO_THREADS).toBe(8);
	});
	it('resolves auto by the rule and keeps a number', () => {
		expect(resolveThreads('auto', 2)).toBe(1);
		expect(resolveThreads('auto', 12)).toBe(8);
		expect(resolveThreads(4, 2)).toBe(4);
	});
});

describe('parseCheckpointManifest', () => {
	it('fills every default for a minimal manifest', () => {
		expect(parseCheckpointManifest(minimal, 'm.yaml')).toEqual({
			...minimal,
			adapters: [],
			chatTemplate: 'auto',
			systemPrompt: '',
			sampling: { temperature: 0, maxTokens: 256, stop: [], seed: 42 },
			contextSize: 2048,
			gpu: 'auto',
			threads: 'auto',
			parallel: 2
		});
	});

	it('keeps an explicit gpu and threads setting', () => {
		for (const gpu of ['off', 0, 20] as const)
			expect(parseCheckpointManifest({ ...minimal, gpu }, 'm.yaml').gpu).toBe(gpu);
		expect(parseCheckpointManifest({ ...minimal, threads: 3 }, 'm.yaml').threads).toBe(3);
	});

	it('fills sampling defaults inside a partial sampling block and adapter scale', () => {
		const m = parseCheckpointManifest(
			{
				...minimal,
				adapters: [{ path: 'a.gguf' }, { path: 'b.gguf', scale: 0.5 }],
				sampling: { temperature: 0.7, topP: 0.9, topK: 40, minP: 0.05, repeatPenalty: 1.1 }
			},
			'm.yaml'
		);
		expect(m.adapters).toEqual([
			{ path: 'a.gguf', scale: 1 },
			{ path: 'b.gguf', scale: 0.5 }
		]);
		expect(m.sampling).toEqual({
			temperature: 0.7,
			topP: 0.9,
			topK: 40,
			minP: 0.05,
			repeatPenalty: 1.1,
			maxTokens: 256,
			stop: [],
			seed: 42
		});
	});

	it('accepts every chat template and gpu form', () => {
		for (const chatTemplate of ['auto', 'chatml', 'llama3', 'none']) {
			expect(parseCheckpointManifest({ ...minimal, chatTemplate }, 'm.yaml').chatTemplate).toBe(
				chatTemplate
			);
		}
		for (const gpu of ['auto', 'off', 0, 33]) {
			expect(parseCheckpointManifest({ ...minimal, gpu }, 'm.yaml').gpu).toBe(gpu);
		}
	});

	it('reports every issue with file and dot path', () => {
		let error: unknown;
		try {
			parseCheckpointManifest(
				{
					name: 'has space',
					promptTemplate: 'x {{a}}',
					adapters: [{ path: '' }],
					sampling: { maxTokens: 0, temprature: 1 },
					chatTemplate: 'alpaca',
					threads: 0
				},
				'ckpt/m.yaml'
			);
		} catch (err) {
			error = err;
		}
		expect(error).toBeInstanceOf(ManifestError);
		const { issues, message } = error as ManifestError;
		const paths = issues.map((i) => i.path);
		expect(paths).toEqual(
			expect.arrayContaining([
				'name',
				'model',
				'adapters.0.path',
				'sampling.maxTokens',
				'sampling',
				'chatTemplate',
				'threads'
			])
		);
		for (const issue of issues) {
			expect(message).toContain(`ckpt/m.yaml: field ${issue.path}: ${issue.message}`);
		}
		expect(message.split('\n')).toHaveLength(issues.length);
		// The unknown key is named, so a typo in a sampling setting cannot pass silently.
		expect(message).toContain('temprature');
	});

	it('rejects a non-object and a template without placeholders', () => {
		expect(issuesOf('just a string')[0]?.path).toBe('(root)');
		expect(issuesOf({ ...minimal, promptTemplate: 'no fields' })).toEqual([
			{ path: 'promptTemplate', message: 'has no {{field}} placeholder' }
		]);
	});

	it('rejects bad numbers', () => {
		const paths = issuesOf({
			...minimal,
			name: 'x'.repeat(81),
			contextSize: 1.5,
			parallel: 0,
			gpu: -1,
			sampling: { temperature: -1, seed: 1.5, topP: 0 }
		}).map((i) => i.path);
		expect(paths).toEqual(
			expect.arrayContaining([
				'name',
				'contextSize',
				'parallel',
				'gpu',
				'sampling.temperature',
				'sampling.seed',
				'sampling.topP'
			])
		);
	});

	it('exposes the schema for callers that compose it', () => {
		expect(checkpointManifestSchema.safeParse(minimal).success).toBe(true);
	});
});

describe('templateFields', () => {
	it('lists distinct fields in order of first use, including dot paths', () => {
		expect(
			templateFields('{{diagnosis}} {{ radiotherapy.total_dose_gy }} {{case_id}} {{diagnosis}}')
		).toEqual(['diagnosis', 'radiotherapy.total_dose_gy', 'case_id']);
	});

	it('ignores text that is not a placeholder', () => {
		expect(templateFields('{single} {{}} {{ has space }} plain')).toEqual([]);
	});
});

describe('renderPrompt', () => {
	const source = {
		diagnosis: 'Prostate adenocarcinoma',
		tnm: 'cT2a N0 M0',
		radiotherapy: { modality: 'photon', total_dose_gy: 60, fractions: 20, boost: null },
		organs: ['rectum', 'bladder'],
		zero: 0,
		flag: false
	};

	it('fills strings, numbers and nested fields', () => {
		expect(
			renderPrompt(
				'{{case_id}}: {{diagnosis}} ({{tnm}}), {{radiotherapy.total_dose_gy}} Gy/{{radiotherapy.fractions}}',
				'case-7',
				source
			)
		).toBe('case-7: Prostate adenocarcinoma (cT2a N0 M0), 60 Gy/20');
	});

	it('renders objects and arrays as compact JSON and keeps falsy values', () => {
		expect(renderPrompt('{{radiotherapy}} {{organs}}', 'c', source)).toBe(
			'{"modality":"photon","total_dose_gy":60,"fractions":20,"boost":null} ["rectum","bladder"]'
		);
		expect(renderPrompt('{{zero}} {{flag}} {{radiotherapy.boost}}', 'c', source)).toBe(
			'0 false null'
		);
	});

	it('uses the given case id even when the source has its own case_id', () => {
		expect(renderPrompt('{{case_id}}', 'c-1', { case_id: 'other' })).toBe('c-1');
	});

	it('does not re-expand placeholders found inside values', () => {
		expect(renderPrompt('{{a}}', 'c', { a: '{{b}}' })).toBe('{{b}}');
	});

	it('names the missing field', () => {
		expect(() => renderPrompt('{{diagnosis}} {{stage}}', 'c', source)).toThrow(
			'unknown field "stage" in prompt template'
		);
		expect(() => renderPrompt('{{radiotherapy.technique}}', 'c', source)).toThrow(
			'unknown field "radiotherapy.technique" in prompt template'
		);
		// Walking into a string must not find its methods or indices.
		expect(() => renderPrompt('{{diagnosis.length}}', 'c', source)).toThrow(
			'unknown field "diagnosis.length"'
		);
	});
});
