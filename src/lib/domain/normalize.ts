/**
 * Blinding normalization: removes the artefacts by which a rater could tell which model (or
 * which chat template) wrote a letter. Each rule has a stable name; the names of the rules that
 * changed a text are stored with the output, so the change is documented per output.
 *
 * Rules, in order:
 * - `special-tokens`: chat-template control tokens anywhere (`<|eot_id|>`, `<|im_end|>`,
 *   `<|end_of_text|>`, `<|start_header_id|>…<|end_header_id|>`, `[INST]`, `[/INST]`, `<s>`,
 *   `</s>`, `<|endoftext|>`, `<|assistant|>`, …).
 * - `role-prefix`: a leading role label such as `assistant:` or `### Response:`.
 * - `trailing-whitespace`: whitespace at line ends, and at the start and end of the text.
 * - `line-endings`: CRLF and CR become LF.
 */
export interface Normalized {
	text: string;
	rules: string[];
}

const SPECIAL_TOKENS =
	/<\|start_header_id\|>[^<]*<\|end_header_id\|>|<\|[a-z_]+(?:\|>|>)|<\/?s>|\[\/?INST\]|<<\/?SYS>>/gi;
const ROLE_PREFIX =
	/^\s*(?:(?:assistant|model|ai|response)\s*:|###\s*(?:response|answer)\s*:?)\s*/i;

export function normalizeOutput(input: string): Normalized {
	const rules: string[] = [];
	let text = input;
	const apply = (name: string, fn: (t: string) => string) => {
		const next = fn(text);
		if (next !== text) rules.push(name);
		text = next;
	};
	apply('line-endings', (t) => t.replace(/\r\n?/g, '\n'));
	apply('special-tokens', (t) => t.replace(SPECIAL_TOKENS, ''));
	apply('role-prefix', (t) => t.replace(ROLE_PREFIX, ''));
	apply('trailing-whitespace', (t) =>
		t
			.split('\n')
			.map((l) => l.trimEnd())
			.join('\n')
			.replace(/^\s+|\s+$/g, '')
	);
	return { text, rules };
}
