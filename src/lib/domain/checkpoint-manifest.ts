/**
 * A checkpoint manifest: everything needed to regenerate one checkpoint's outputs locally (base
 * GGUF, LoRA adapters, chat template, prompt template, sampling, runtime sizing). Pure: callers
 * read and YAML-parse the file and hand over the value with the file name used in messages.
 */
import { z } from 'zod';
import { findUnstorable } from './text-input';
import { taskKeySchema } from './tasks';

const CHAT_TEMPLATES = ['auto', 'chatml', 'llama3', 'none'] as const;
export type ChatTemplateName = (typeof CHAT_TEMPLATES)[number];

const adapterSchema = z
	.object({
		/** LoRA adapter GGUF, relative to the manifest file. */
		path: z.string().min(1),
		scale: z.number().finite().default(1)
	})
	.strict();

const samplingSchema = z
	.object({
		// 0 means greedy decoding, which is what makes a run reproducible across machines.
		temperature: z.number().min(0).max(5).default(0),
		topP: z.number().gt(0).max(1).optional(),
		topK: z.number().int().min(0).optional(),
		minP: z.number().min(0).max(1).optional(),
		// Unset means no repeat penalty (llama.cpp's own default), not node-llama-cpp's 1.1.
		repeatPenalty: z.number().min(0).optional(),
		maxTokens: z.number().int().min(1).default(256),
		stop: z.array(z.string().min(1)).default([]),
		seed: z.number().int().min(0).max(0xffffffff).default(42)
	})
	.strict();

export const checkpointManifestSchema = z
	.object({
		name: z
			.string()
			.min(1)
			.max(80)
			.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" or "-" (no spaces)'),
		/** Base GGUF, relative to the manifest file. */
		model: z.string().min(1),
		adapters: z.array(adapterSchema).default([]),
		/** 'auto' uses the template stored in the GGUF; 'none' feeds the rendered prompt raw. */
		chatTemplate: z.enum(CHAT_TEMPLATES).default('auto'),
		systemPrompt: z.string().default(''),
		promptTemplate: z
			.string()
			.min(1)
			.refine((t) => templateFields(t).length > 0, 'has no {{field}} placeholder'),
		/**
		 * A multi-task study's prompt per task key (domain/tasks.ts); a task not named here uses
		 * promptTemplate.
		 */
		prompts: z
			.record(
				taskKeySchema,
				z
					.string()
					.min(1)
					.refine((t) => templateFields(t).length > 0, 'has no {{field}} placeholder')
			)
			.optional(),
		// prefault (not default): an omitted block is parsed as `{}` so its inner defaults apply.
		sampling: samplingSchema.prefault({}),
		contextSize: z.number().int().min(64).default(2048),
		/**
		 * Layers to offload: 'auto' puts every layer that fits on the GPU when a GPU backend reports
		 * a device and runs on the CPU otherwise; 'off' or a number is taken as given.
		 */
		gpu: z.union([z.enum(['auto', 'off']), z.number().int().min(0)]).default('auto'),
		/** Threads per decode step; 'auto' follows autoThreads (measured, see there). */
		threads: z.union([z.literal('auto'), z.number().int().min(1)]).default('auto'),
		/** Sequences decoded at once in one context. */
		parallel: z.number().int().min(1).default(2),
		/**
		 * The data this checkpoint was trained on (JSONL or CSV examples, or a .txt of case ids),
		 * relative to the manifest; the leakage check looks for evaluation cases in it.
		 */
		training_data: z.string().min(1).optional()
	})
	.strict();

/** Threads beyond which decoding stops getting faster: it is bound by memory bandwidth. */
export const MAX_AUTO_THREADS = 8;

/**
 * The default number of threads for a machine with `cores` CPU cores useful for math (physical
 * cores): one core is left to the event loop, the database and the web server, and at most
 * MAX_AUTO_THREADS are used. On the 2-core machines this project is tested on that gives 1, which
 * measured fastest there (2 threads ran slower than 1, and node-llama-cpp's default of 4 far
 * slower; README, Performance).
 */
export function autoThreads(cores: number): number {
	return Math.max(1, Math.min(Math.floor(cores) - 1, MAX_AUTO_THREADS));
}

/** The threads a manifest asks for on a machine with `cores` math cores. */
export function resolveThreads(threads: 'auto' | number, cores: number): number {
	return threads === 'auto' ? autoThreads(cores) : threads;
}

export type CheckpointManifest = z.output<typeof checkpointManifestSchema>;
export type CheckpointManifestInput = z.input<typeof checkpointManifestSchema>;

export interface ManifestIssue {
	/** Dot path of the field, e.g. sampling.maxTokens or adapters.0.path; '(root)' for the file. */
	path: string;
	message: string;
}

/** A manifest that does not match the schema; the message lists every issue, one per line. */
export class ManifestError extends Error {
	readonly file: string;
	readonly issues: ManifestIssue[];
	constructor(file: string, issues: ManifestIssue[]) {
		super(issues.map((i) => `${file}: field ${i.path}: ${i.message}`).join('\n'));
		this.name = 'ManifestError';
		this.file = file;
		this.issues = issues;
	}
}

/**
 * Validates an already-parsed manifest and fills in defaults.
 * @param raw the YAML document as parsed (any value)
 * @param file the manifest's file name, used in every issue message
 * @throws ManifestError listing every issue found
 */
export function parseCheckpointManifest(raw: unknown, file: string): CheckpointManifest {
	const bad = findUnstorable(raw);
	if (bad) throw new ManifestError(file, [{ path: bad.field || '(root)', message: bad.message }]);
	const result = checkpointManifestSchema.safeParse(raw);
	if (result.success) return result.data;
	throw new ManifestError(
		file,
		result.error.issues.map((issue) => ({
			path: issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.'),
			message: issue.message
		}))
	);
}

// Field names are dot paths of identifier-ish segments; whitespace inside braces is allowed.
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)\s*\}\}/g;

/**
 * Lists the distinct fields a prompt template refers to, in order of first use.
 * @example templateFields('{{a}} {{b.c}} {{a}}') // ['a', 'b.c']
 */
export function templateFields(template: string): string[] {
	const fields = new Set<string>();
	for (const match of template.matchAll(PLACEHOLDER)) fields.add(match[1] as string);
	return [...fields];
}

function lookup(source: Record<string, unknown>, path: string): { found: boolean; value: unknown } {
	let current: unknown = source;
	for (const key of path.split('.')) {
		if (
			current === null ||
			typeof current !== 'object' ||
			!Object.prototype.hasOwnProperty.call(current, key)
		) {
			return { found: false, value: undefined };
		}
		current = (current as Record<string, unknown>)[key];
	}
	return { found: current !== undefined, value: current };
}

function renderValue(value: unknown): string {
	if (typeof value === 'string') return value;
	if (value !== null && typeof value === 'object') return JSON.stringify(value);
	return String(value);
}

/**
 * Fills a prompt template's {{field}} placeholders from a case's source data. Fields are dot
 * paths into `source` (e.g. {{radiotherapy.total_dose_gy}}); {{case_id}} is always the case id
 * given, since that is the id raters and exports refer to. Objects and arrays render as compact JSON, other values as
 * `String(value)`, so null renders as "null".
 * @throws Error `unknown field "x" in prompt template` when a field is missing from the source
 */
export function renderPrompt(
	template: string,
	caseId: string,
	source: Record<string, unknown>
): string {
	return template.replace(PLACEHOLDER, (_match, field: string) => {
		if (field === 'case_id') return caseId;
		const { found, value } = lookup(source, field);
		if (found) return renderValue(value);
		throw new Error(`unknown field "${field}" in prompt template`);
	});
}
