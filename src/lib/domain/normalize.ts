/**
 * Blinding normalization: removes the artefacts by which a rater could tell which model (or
 * which chat template) wrote a letter. Each rule has a stable name; the names of the rules that
 * changed a text are stored with the output, so the change is documented per output.
 *
 * It knows the chat formats node-llama-cpp ships a wrapper for (node_modules/node-llama-cpp/
 * dist/chatWrappers: Llama 2, Llama 3 / 3.1 / 3.2, ChatML, Qwen, Mistral, Gemma and Gemma 4,
 * DeepSeek, Falcon, Functionary, Harmony (gpt-oss) and Muse, Alpaca, Seed, the General one),
 * plus `<|user|>`/`<|assistant|>` templates, `<think>` blocks and echoed prompts.
 *
 * Rules, in order:
 * - `line-endings`: CRLF and CR become LF.
 * - `reasoning`: reasoning blocks with their content: `<think>…</think>` (DeepSeek, Qwen; also
 *   `<thinking>`, `<reasoning>`), a reasoning part ended by `</think>` whose opening tag was in
 *   the prompt, `<seed:think>…</seed:think>`, Harmony's analysis and commentary channels
 *   (`<|channel|>analysis<|message|>…<|end|>`), Gemma 4's `<|channel>thought…<channel|>`. An
 *   unclosed block runs to the end of the text.
 * - `echoed-prompt`: the prompt echoed before the answer, with its markers: `[INST] … [/INST]`,
 *   `<<SYS>> … <</SYS>>`, `[SYSTEM_PROMPT]`/`[AVAILABLE_TOOLS]` blocks, and the system, user and
 *   tool turns of every format above (`<|start_header_id|>user<|end_header_id|> … <|eot_id|>`,
 *   `<|im_start|>user … <|im_end|>`, `<start_of_turn>user … <end_of_turn>`, `<｜User｜> …`,
 *   `<|start|>user<|message|> … <|end|>`, `<seed:bos>user … <seed:eos>`, `<|from|>user …`,
 *   `<|user|> …`), and an Alpaca/General/Falcon prompt (`### Instruction: … ### Response:`,
 *   `User: … Assistant:`) at the start of the text.
 * - `special-tokens`: the remaining control tokens anywhere, with the assistant role they
 *   announce (`<|start_header_id|>assistant<|end_header_id|>`, `<|im_start|>assistant`,
 *   `<start_of_turn>model`, `<|start|>assistant<|channel|>final<|message|>`, `<｜Assistant｜>`,
 *   `<|eot_id|>`, `<|im_end|>`, `<end_of_turn>`, `<｜end▁of▁sentence｜>`, `<s>`, `</s>`,
 *   `[INST]`, `<seed:eos>`, …).
 * - `role-prefix`: a leading role label such as `assistant:`, `### Response:`, Functionary's
 *   `>>>all`, or a line holding only `assistant` or `model` (Llama 3 with its header tokens
 *   printed as text).
 * - `study-pattern-N`: the study's own patterns (study.yaml `normalize.patterns`), each removed
 *   wherever it matches.
 * - `trailing-whitespace`: whitespace at line ends, and at the start and end of the text.
 */
export interface Normalized {
	text: string;
	rules: string[];
}

/** A study's own normalization settings (study.yaml `normalize:`). */
export interface NormalizeSettings {
	/** Regular expressions (JavaScript syntax, flags g, m and u) whose matches are removed. */
	patterns: string[];
}

/** Bounds for a study's own patterns: few and short, checked when the study file is read. */
export const MAX_STUDY_PATTERNS = 20;
export const MAX_STUDY_PATTERN_LENGTH = 200;
export const STUDY_PATTERN_FLAGS = 'gmu';

const REASONING: RegExp[] = [
	/<(think|thinking|reasoning)>[\s\S]*?(?:<\/\1>|$)/g,
	// The template opened the block in the prompt: the output starts inside it.
	/^(?:(?!<(?:think|thinking|reasoning)>)[\s\S])*?<\/(?:think|thinking|reasoning)>/,
	/<seed:think>[\s\S]*?(?:<\/seed:think>|$)/g,
	/<seed:cot_budget_reflect>[\s\S]*?(?:<\/seed:cot_budget_reflect>|$)/g,
	/<\|channel\|>\s*(?:analysis|commentary)\b[^<]*<\|message\|>[\s\S]*?(?:<\|end\|>|<\|call\|>|$)/g,
	/<\|channel>\s*thought[\s\S]*?(?:<channel\|>|$)/g,
	// Muse: a message the model writes to itself
	/<\|start\|>[ \t]*assistant[ \t]+to=self<\|message\|>[\s\S]*?(?:<\|eom\|>|<\|eot\|>|$)/g
];

/** Roles whose turns are the prompt, not the answer. */
const PROMPT_ROLE = '(?:system|user|developer|tool|ipython|function_call_result|human)';
const PROMPT_TURNS: RegExp[] = [
	/\[INST\][\s\S]*?\[\/INST\]/g,
	/<<SYS>>[\s\S]*?<<\/SYS>>/g,
	/\[(SYSTEM_PROMPT|AVAILABLE_TOOLS|TOOL_RESULTS)\][\s\S]*?\[\/\1\]/g,
	// Llama 3.x, Functionary v3
	new RegExp(
		`<\\|start_header_id\\|>\\s*${PROMPT_ROLE}\\s*<\\|end_header_id\\|>[\\s\\S]*?(?:<\\|eot_id\\|>|<\\|eom_id\\|>|(?=<\\|start_header_id\\|>))`,
		'gi'
	),
	// ChatML, Qwen
	new RegExp(
		`<\\|im_start\\|>\\s*${PROMPT_ROLE}\\b[\\s\\S]*?(?:<\\|im_end\\|>|(?=<\\|im_start\\|>))`,
		'gi'
	),
	// Gemma, Gemma 4
	new RegExp(
		`<start_of_turn>\\s*${PROMPT_ROLE}\\b[\\s\\S]*?(?:<end_of_turn>|(?=<start_of_turn>))`,
		'gi'
	),
	new RegExp(`<\\|turn>\\s*${PROMPT_ROLE}\\b[\\s\\S]*?(?:<turn\\|>|(?=<\\|turn>))`, 'gi'),
	// DeepSeek: the system prompt has no marker, so from the start through the user turn
	/^(?:(?!<｜Assistant｜>)[\s\S])*?<｜User｜>[\s\S]*?(?=<｜Assistant｜>)/,
	/<｜User｜>[\s\S]*?(?=<｜Assistant｜>)/g,
	// Harmony, Muse
	new RegExp(
		`<\\|start\\|>\\s*${PROMPT_ROLE}\\b[\\s\\S]*?(?:<\\|end\\|>|<\\|eot\\|>|(?=<\\|start\\|>))`,
		'gi'
	),
	// Seed
	new RegExp(`<seed:bos>\\s*${PROMPT_ROLE}\\b[\\s\\S]*?(?:<seed:eos>|(?=<seed:bos>))`, 'gi'),
	// Functionary v2
	new RegExp(`<\\|from\\|>\\s*${PROMPT_ROLE}\\b[\\s\\S]*?(?=<\\|from\\|>)`, 'gi'),
	// Zephyr, Phi and other <|user|> templates
	/<\|(?:system|user)\|>[\s\S]*?(?=<\|assistant\|>)/gi,
	// Alpaca and General (system prompt, ### Instruction: … ### Response:), from the start
	/^(?:[\s\S]*?\n)??[ \t]*###[ \t]*(?:Instruction|Input|Human|User|System)\b[ \t]*:?[\s\S]*?###[ \t]*(?:Response|Assistant|Answer)\b[ \t]*:?[ \t]*\n?/i,
	// Falcon (system prompt, User: … Assistant:), from the start
	/^(?:[\s\S]*?\n)??[ \t]*(?:User|Human)[ \t]*:[\s\S]*?\n[ \t]*Assistant[ \t]*:[ \t]*/
];

const SPECIAL_TOKENS: RegExp[] = [
	// Role headers of the answer itself, with their role
	/<\|start_header_id\|>[^<]*<\|end_header_id\|>\n*/g,
	/(?:<\|im_start\|>|<start_of_turn>|<\|turn>|<seed:bos>|<\|from\|>)[ \t]*(?:assistant|model)\b[^\n<]*\n?/gi,
	/<\|start\|>[ \t]*assistant\b[^<\n]*/gi,
	/<\|channel\|>[ \t]*final\b/g,
	/<\|recipient\|>[ \t]*all\n?/g,
	// Bare tokens: <|eot_id|>, <|turn>, <turn|>, <｜end▁of▁sentence｜>, <s>, [INST], <seed:eos>, …
	/<\|[A-Za-z0-9_]+\|?>/g,
	/<[a-z_]+\|>/g,
	/<｜[^｜\n]{1,40}｜>/g,
	/<\/?s>|<(?:bos|eos|pad|unk|start_of_turn|end_of_turn)>/g,
	/<\/?seed:[a-z_]+>/g,
	/\[\/?(?:INST|SYSTEM_PROMPT|AVAILABLE_TOOLS|TOOL_CALLS|TOOL_RESULTS|TOOL_CONTENT)\]/g,
	/<<\/?SYS>>/g,
	/<\/?(?:think|thinking|reasoning)>/g
];

const ROLE_PREFIX =
	/^\s*(?:(?:assistant|model|ai|response|answer)\s*:|###\s*(?:response|answer|assistant)\s*:?|>>>\s*all\b|(?:assistant|model)[ \t]*\n)\s*/i;

function removeAll(text: string, patterns: readonly RegExp[]): string {
	return patterns.reduce((t, re) => t.replace(re, ''), text);
}

/** A study's pattern as a RegExp, or the reason it cannot be one. */
export function compileStudyPattern(source: string): RegExp | string {
	if (source.length > MAX_STUDY_PATTERN_LENGTH)
		return `is longer than ${MAX_STUDY_PATTERN_LENGTH} characters`;
	try {
		return new RegExp(source, STUDY_PATTERN_FLAGS);
	} catch (e) {
		return `is not a valid regular expression (${(e as Error).message})`;
	}
}

export function normalizeOutput(input: string, settings?: NormalizeSettings | null): Normalized {
	const rules: string[] = [];
	let text = input;
	const apply = (name: string, fn: (t: string) => string) => {
		const next = fn(text);
		if (next !== text) rules.push(name);
		text = next;
	};
	apply('line-endings', (t) => t.replace(/\r\n?/g, '\n'));
	apply('reasoning', (t) => removeAll(t, REASONING));
	apply('echoed-prompt', (t) => removeAll(t, PROMPT_TURNS));
	apply('special-tokens', (t) => removeAll(t, SPECIAL_TOKENS));
	apply('role-prefix', (t) => {
		// "assistant\n\nassistant:" is two labels; a few rounds take every one.
		for (let i = 0; i < 3; i++) t = t.replace(ROLE_PREFIX, '');
		return t;
	});
	(settings?.patterns ?? []).forEach((source, i) => {
		const re = compileStudyPattern(source);
		// The study file was validated when it was read: a bad pattern here is a bug.
		if (typeof re === 'string') throw new Error(`normalize.patterns[${i}] ${re}`);
		apply(`study-pattern-${i + 1}`, (t) => t.replace(re, ''));
	});
	apply('trailing-whitespace', (t) =>
		t
			.split('\n')
			.map((l) => l.trimEnd())
			.join('\n')
			.replace(/^\s+|\s+$/g, '')
	);
	return { text, rules };
}
