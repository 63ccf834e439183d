import {
	AlpacaChatWrapper,
	ChatMLChatWrapper,
	DeepSeekChatWrapper,
	FalconChatWrapper,
	FunctionaryChatWrapper,
	Gemma4ChatWrapper,
	GemmaChatWrapper,
	GeneralChatWrapper,
	HarmonyChatWrapper,
	Llama2ChatWrapper,
	Llama3_1ChatWrapper,
	Llama3_2LightweightChatWrapper,
	Llama3ChatWrapper,
	MistralChatWrapper,
	MuseChatWrapper,
	QwenChatWrapper,
	SeedChatWrapper,
	type ChatHistoryItem,
	type ChatWrapper
} from 'node-llama-cpp';
import { describe, expect, it } from 'vitest';
import { compileStudyPattern, normalizeOutput } from './normalize';

const LETTER = 'Dear Dr. Weber,\n\nthe patient completed radiotherapy.\n\nKind regards';

/**
 * Every chat format node-llama-cpp ships a wrapper for (node_modules/node-llama-cpp/dist/
 * chatWrappers), with the text its begin and end tokens have in the model's vocabulary
 * (LlamaText prints the begin token as "BOS"), and whether it has a reasoning segment.
 */
const FAMILIES: {
	name: string;
	wrapper: ChatWrapper;
	bos: string;
	eos: string;
	thinks: boolean;
}[] = [
	{ name: 'Llama 2', wrapper: new Llama2ChatWrapper(), bos: '<s>', eos: '</s>', thinks: false },
	{
		name: 'Llama 3',
		wrapper: new Llama3ChatWrapper(),
		bos: '<|begin_of_text|>',
		eos: '<|eot_id|>',
		thinks: false
	},
	{
		name: 'Llama 3.1',
		wrapper: new Llama3_1ChatWrapper(),
		bos: '<|begin_of_text|>',
		eos: '<|eot_id|>',
		thinks: false
	},
	{
		name: 'Llama 3.2 lightweight',
		wrapper: new Llama3_2LightweightChatWrapper(),
		bos: '<|begin_of_text|>',
		eos: '<|eot_id|>',
		thinks: false
	},
	{ name: 'ChatML', wrapper: new ChatMLChatWrapper(), bos: '', eos: '<|im_end|>', thinks: false },
	{ name: 'Qwen', wrapper: new QwenChatWrapper(), bos: '', eos: '<|im_end|>', thinks: true },
	{ name: 'Mistral', wrapper: new MistralChatWrapper(), bos: '<s>', eos: '</s>', thinks: false },
	{
		name: 'Gemma',
		wrapper: new GemmaChatWrapper(),
		bos: '<bos>',
		eos: '<end_of_turn>',
		thinks: false
	},
	{ name: 'Gemma 4', wrapper: new Gemma4ChatWrapper(), bos: '<bos>', eos: '<turn|>', thinks: true },
	{
		name: 'DeepSeek',
		wrapper: new DeepSeekChatWrapper(),
		bos: '<｜begin▁of▁sentence｜>',
		eos: '<｜end▁of▁sentence｜>',
		thinks: true
	},
	{
		name: 'Falcon',
		wrapper: new FalconChatWrapper(),
		bos: '',
		eos: '<|endoftext|>',
		thinks: false
	},
	{
		name: 'Functionary',
		wrapper: new FunctionaryChatWrapper(),
		bos: '<|begin_of_text|>',
		eos: '<|eot_id|>',
		thinks: false
	},
	{ name: 'Harmony', wrapper: new HarmonyChatWrapper(), bos: '', eos: '<|return|>', thinks: true },
	{ name: 'Muse', wrapper: new MuseChatWrapper(), bos: '', eos: '<|eot|>', thinks: true },
	{ name: 'Alpaca', wrapper: new AlpacaChatWrapper(), bos: '<s>', eos: '</s>', thinks: false },
	{ name: 'Seed', wrapper: new SeedChatWrapper(), bos: '', eos: '<seed:eos>', thinks: true },
	{ name: 'General', wrapper: new GeneralChatWrapper(), bos: '<s>', eos: '</s>', thinks: false }
];

/** The whole conversation as the family's template renders it: the prompt echoed, then the answer. */
function rendered(family: (typeof FAMILIES)[number]): string {
	const chatHistory: ChatHistoryItem[] = [
		{ type: 'system', text: 'You are a radiation oncologist.' },
		{ type: 'user', text: 'Write the letter for case 7 (prostate, 78 Gy).' },
		{
			type: 'model',
			response: family.thinks
				? [
						{
							type: 'segment',
							segmentType: 'thought',
							text: 'The user wants a letter; mention the dose.',
							ended: true
						},
						LETTER
					]
				: [LETTER]
		}
	];
	const text = family.wrapper.generateContextState({ chatHistory }).contextText.toString();
	return text.replace(/^BOS/, family.bos) + family.eos;
}

describe('normalizeOutput', () => {
	it('leaves a clean letter alone and records no rule', () => {
		expect(normalizeOutput('Dear Dr. Weber,\n\nKind regards')).toEqual({
			text: 'Dear Dr. Weber,\n\nKind regards',
			rules: []
		});
	});

	it.each(FAMILIES.map((f) => [f.name, f] as const))(
		'%s: the template, prompt and reasoning around the letter are removed',
		(_, family) => {
			const raw = rendered(family);
			expect(raw).toContain(LETTER);
			const { text, rules } = normalizeOutput(raw);
			expect(text).toBe(LETTER);
			expect(rules).toContain('special-tokens');
			if (family.thinks) expect(rules).toContain('reasoning');
		}
	);

	it.each(FAMILIES.map((f) => [f.name, f] as const))(
		'%s: the answer part alone (what generation returns) comes out as the letter',
		(_, family) => {
			const raw = rendered(family);
			// From the answer's role header on: the last one before the letter.
			const header = [
				'<|start_header_id|>assistant',
				'<|im_start|>assistant',
				'<start_of_turn>model',
				'<|turn>model',
				'<｜Assistant｜>',
				'<|start|>assistant',
				'<seed:bos>assistant',
				'Assistant:',
				'### Response:',
				'### Assistant',
				'[/INST]'
			]
				.map((h) => raw.lastIndexOf(h, raw.indexOf(LETTER)))
				.filter((i) => i >= 0);
			const answer = raw.slice(Math.max(...header));
			expect(normalizeOutput(answer).text).toBe(LETTER);
		}
	);

	it.each([
		['Dear Dr. A,\nText.<|eot_id|>', 'Dear Dr. A,\nText.', ['special-tokens']],
		['Letter<|im_end|>\n', 'Letter', ['special-tokens', 'trailing-whitespace']],
		[
			'<s>[INST] Write the letter. [/INST] Letter</s>',
			'Letter',
			['echoed-prompt', 'special-tokens', 'trailing-whitespace']
		],
		['<|start_header_id|>assistant<|end_header_id|>\n\nDear', 'Dear', ['special-tokens']],
		['assistant: Dear Dr. B', 'Dear Dr. B', ['role-prefix']],
		['assistant\n\nDear Dr. B', 'Dear Dr. B', ['role-prefix']],
		['Assistant\nassistant: Dear Dr. B', 'Dear Dr. B', ['role-prefix']],
		['### Response:\nDear', 'Dear', ['role-prefix']],
		['<think>\nplan\n</think>\n\nDear', 'Dear', ['reasoning', 'trailing-whitespace']],
		// The template put <think> in the prompt: the output starts inside the block.
		['plan the letter\n</think>\n\nDear', 'Dear', ['reasoning', 'trailing-whitespace']],
		['<think>cut off while thinking', '', ['reasoning']],
		['Dear Dr. C<start_of_turn>model', 'Dear Dr. C', ['special-tokens']],
		['Dear Dr. C<｜end▁of▁sentence｜>', 'Dear Dr. C', ['special-tokens']],
		['a\r\nb  \r\n', 'a\nb', ['line-endings', 'trailing-whitespace']]
	])('normalizes %j', (input, text, rules) => {
		expect(normalizeOutput(input)).toEqual({ text, rules });
	});

	it('keeps text that only looks like a template', () => {
		for (const letter of [
			'PSA <0.1 ng/ml, T <4 cm',
			'The patient (user of a hearing aid) thinks: fine.',
			'Assistant physician: Dr. Roth\nUser: none',
			'Model of care: outpatient',
			'Response to treatment: partial'
		])
			expect(normalizeOutput(letter)).toEqual({ text: letter, rules: [] });
	});

	it("applies the study's own patterns after the built-in rules, each recorded", () => {
		const settings = { patterns: ['^Generated by .*$', '\\[confidential\\]\\s*'] };
		expect(
			normalizeOutput(
				'Dear Dr. D,\n[confidential] fine.\nGenerated by LetterBot 2<|eot_id|>',
				settings
			)
		).toEqual({
			text: 'Dear Dr. D,\nfine.',
			rules: ['special-tokens', 'study-pattern-1', 'study-pattern-2', 'trailing-whitespace']
		});
	});
});

describe('compileStudyPattern', () => {
	it('compiles a pattern with the g, m and u flags', () => {
		const re = compileStudyPattern('^x');
		expect(re).toBeInstanceOf(RegExp);
		expect((re as RegExp).flags).toBe('gmu');
	});

	it('names what is wrong with a bad or long pattern', () => {
		expect(compileStudyPattern('(unclosed')).toMatch(/^is not a valid regular expression/);
		expect(compileStudyPattern('x'.repeat(201))).toBe('is longer than 200 characters');
	});
});
