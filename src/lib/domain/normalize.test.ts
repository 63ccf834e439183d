import { describe, expect, it } from 'vitest';
import { normalizeOutput } from './normalize';

describe('normalizeOutput', () => {
	it('leaves a clean letter alone and records no rule', () => {
		expect(normalizeOutput('Dear Dr. Weber,\n\nKind regards')).toEqual({
			text: 'Dear Dr. Weber,\n\nKind regards',
			rules: []
		});
	});

	it.each([
		['Dear Dr. A,\nText.<|eot_id|>', 'Dear Dr. A,\nText.', ['special-tokens']],
		['Letter<|im_end|>\n', 'Letter', ['special-tokens', 'trailing-whitespace']],
		['<s>[INST] x [/INST] Letter</s>', 'x  Letter', ['special-tokens', 'trailing-whitespace']],
		[
			'<|start_header_id|>assistant<|end_header_id|>\n\nDear',
			'Dear',
			['special-tokens', 'trailing-whitespace']
		],
		['assistant: Dear Dr. B', 'Dear Dr. B', ['role-prefix']],
		['### Response:\nDear', 'Dear', ['role-prefix']],
		['a\r\nb  \r\n', 'a\nb', ['line-endings', 'trailing-whitespace']]
	])('normalizes %j', (input, text, rules) => {
		expect(normalizeOutput(input)).toEqual({ text, rules });
	});

	it('keeps angle brackets that are not template tokens', () => {
		expect(normalizeOutput('PSA <0.1 ng/ml, T <4 cm').text).toBe('PSA <0.1 ng/ml, T <4 cm');
	});
});
