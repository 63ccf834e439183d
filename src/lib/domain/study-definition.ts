// Over 300 lines: one schema for one file format, with the checks across its files.
/**
 * The study definition as files (studies/<slug>/study.yaml, its cases file and its outputs
 * files), validated before anything is written. Pure: callers read the files and hand over the
 * parsed values together with their line numbers, so that every issue names file, line, field.
 */
import { z } from 'zod';
import { uniqueField } from './unique';
import { ValidationError, type Issue } from '../errors';
import { ratingFormSchema } from './rating-form';
import { parseJsonLine } from './json-line';
import { textLines, type Line } from './lines';
import { acceptabilitySchema, unknownDimensions } from './acceptability';
import { compileStudyPattern, MAX_STUDY_PATTERNS } from './normalize';
import { findUnstorable } from './text-input';
import { extractionSettingsSchema } from './extraction-settings';
import { phiSettingsSchema } from './phi/settings';
import { DEFAULT_TASK, taskSchema } from './tasks';

export const MODALITIES = ['photon', 'proton', 'electron', 'brachytherapy'] as const;
export type Modality = (typeof MODALITIES)[number];

const nameSchema = z
	.string()
	.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" or "-" (no spaces)')
	.max(80);

const checkpointRefSchema = z
	.object({
		name: nameSchema,
		/** A checkpoint manifest for local generation, relative to study.yaml. */
		manifest: z.string().min(1).optional(),
		/** A JSONL file of outputs made elsewhere, relative to study.yaml. */
		outputs: z.string().min(1).optional(),
		/** An imported checkpoint's training data, for the leakage check (domain/leakage.ts). */
		training_data: z.string().min(1).optional()
	})
	.strict()
	.refine((c) => (c.manifest === undefined) !== (c.outputs === undefined), {
		message: 'give exactly one of "manifest" (local generation) or "outputs" (imported)'
	});

/** Pre-registered analysis choices (study.yaml `analysis:`), fixed before anyone rates. */
export const analysisSettingsSchema = z
	.object({
		/** Per-case score over raters for the paired tests. */
		aggregate: z.enum(['mean', 'median']).default('mean'),
		/** One-sided hypotheses: `better` is expected to score higher than `than`. */
		hypotheses: z.array(z.object({ better: nameSchema, than: nameSchema }).strict()).default([]),
		rouge: z
			.object({
				stemmer: z.boolean().default(false),
				tokenizer: z.enum(['rouge_score', 'unicode']).default('rouge_score')
			})
			.strict()
			.default({ stemmer: false, tokenizer: 'rouge_score' }),
		/** The study's own label-extraction rules (domain/extraction-settings.ts). */
		extraction: extractionSettingsSchema.optional(),
		/** What makes a letter acceptable (domain/acceptability.ts); no acceptability table without it. */
		acceptability: acceptabilitySchema.optional()
	})
	.strict();
export type AnalysisSettings = z.output<typeof analysisSettingsSchema>;

/** The study's own normalization patterns (study.yaml `normalize:`), on top of the built-in rules. */
export const normalizeSettingsSchema = z
	.object({
		patterns: z
			.array(
				z.string().superRefine((source, ctx) => {
					const re = compileStudyPattern(source);
					if (typeof re === 'string') ctx.addIssue({ code: 'custom', message: re });
				})
			)
			.max(MAX_STUDY_PATTERNS, `at most ${MAX_STUDY_PATTERNS} patterns`)
			.default([])
	})
	.strict();

export const studyFileSchema = z
	.object({
		name: z.string().trim().min(1).max(200),
		description: z.string().default(''),
		seed: z.union([z.string().min(1), z.number().int()]).transform(String),
		/** The rating form; in a study with `tasks:` each task has its own instead. */
		form: ratingFormSchema.optional(),
		/** Several tasks (domain/tasks.ts); absent: one implicit task with the form above. */
		tasks: z.array(taskSchema).min(1).max(20).optional(),
		cases: z
			.string()
			.regex(/\.(jsonl|csv)$/i, 'must be a .jsonl or .csv file relative to study.yaml'),
		checkpoints: z.array(checkpointRefSchema).min(1, 'needs at least one checkpoint'),
		analysis: analysisSettingsSchema.optional(),
		/** Extra patterns removed from every output before raters see it (domain/normalize.ts). */
		normalize: normalizeSettingsSchema.optional(),
		/** De-identification declaration and the institution's identifier patterns (domain/phi). */
		phi: phiSettingsSchema.optional()
	})
	.strict()
	.superRefine(uniqueField('checkpoints', 'name', 'checkpoint name'))
	.superRefine((s, ctx) => {
		if (s.tasks) {
			const keys = new Map<string, number>();
			s.tasks.forEach((t, i) => {
				if (keys.has(t.key))
					ctx.addIssue({
						code: 'custom',
						path: ['tasks', i, 'key'],
						message: `duplicate task key "${t.key}" (first at tasks.${keys.get(t.key)})`
					});
				else keys.set(t.key, i);
			});
			if (s.form)
				ctx.addIssue({
					code: 'custom',
					path: ['form'],
					message: 'a study with tasks gives each task its own form (tasks.<n>.form), not one here'
				});
		} else if (!s.form) ctx.addIssue({ code: 'custom', path: ['form'], message: 'is required' });
	})
	.superRefine((s, ctx) => {
		const names = new Set(s.checkpoints.map((c) => c.name));
		s.analysis?.hypotheses.forEach((h, i) => {
			for (const key of ['better', 'than'] as const)
				if (!names.has(h[key]))
					ctx.addIssue({
						code: 'custom',
						path: ['analysis', 'hypotheses', i, key],
						message: `unknown checkpoint "${h[key]}"`
					});
		});
		const rule = s.analysis?.acceptability?.rule;
		const keys = (primaryForm(s)?.dimensions ?? []).map((d) => d.key);
		for (const key of rule ? unknownDimensions(rule, keys) : [])
			ctx.addIssue({
				code: 'custom',
				path: ['analysis', 'acceptability', 'rule'],
				message: `the form has no dimension "${key}" (it has ${keys.join(', ')})`
			});
	});
export type StudyFile = z.output<typeof studyFileSchema>;

/**
 * The form of a study's first rated task: the study's form, or the first task form of a study
 * with tasks (what the study row stores as its form, and what study-wide settings such as the
 * acceptability rule and the default analysis plan refer to).
 */
export function primaryForm(s: Pick<StudyFile, 'form' | 'tasks'>): StudyFile['form'] {
	return s.form ?? s.tasks?.find((t) => t.form)?.form;
}
export type CheckpointRef = StudyFile['checkpoints'][number];

export const caseRowSchema = z
	.object({
		id: z
			.string()
			.trim()
			.min(1)
			.max(80)
			.regex(/^[^\s/\\]+$/, 'must not contain spaces or slashes'),
		site: z.string().optional(),
		source: z
			.record(z.string(), z.unknown())
			.refine((o) => Object.keys(o).length > 0, 'must have at least one field'),
		reference: z.string().optional(),
		/** Reference texts of a study's tasks, by the name a task's `reference` gives. */
		references: z.record(z.string().regex(/^[A-Za-z0-9_]+$/), z.string()).optional(),
		gold: z
			.object({
				modality: z.enum(MODALITIES).optional(),
				icd10: z
					.string()
					.regex(
						/^[A-TV-Z][0-9][0-9AB](\.[0-9A-Z]{1,4})?$/,
						'is not an ICD-10 code (e.g. C61, C34.1)'
					)
					.optional()
			})
			.strict()
			.optional()
	})
	.strict();
export type CaseRow = z.output<typeof caseRowSchema>;

export const outputRowSchema = z
	.object({
		case_id: z.string().min(1),
		checkpoint: z.string().optional(),
		/** The task it answers; needed only when the study has several tasks. */
		task: z.string().optional(),
		text: z.string().refine((t) => t.trim().length > 0, 'is empty'),
		provenance: z.record(z.string(), z.unknown()).optional()
	})
	.strict();
export type OutputRow = z.output<typeof outputRowSchema>;

/** A value read from a file together with where it came from. */
export interface Located<T> {
	line: number;
	value: T;
}

function zodIssues(error: z.ZodError, file: string, line?: number): Issue[] {
	return error.issues.map((i) => ({
		file,
		line,
		field: i.path.length ? i.path.join('.') : undefined,
		message: i.message
	}));
}

/** Validates study.yaml's content; `lineOf` maps a field path to its line in the YAML file. */
export function validateStudyFile(
	raw: unknown,
	file: string,
	lineOf: (path: (string | number)[]) => number | undefined = () => undefined
): StudyFile {
	const bad = findUnstorable(raw);
	if (bad)
		throw new ValidationError([
			{
				file,
				line: lineOf(bad.field.split('.')),
				field: bad.field || undefined,
				message: bad.message
			}
		]);
	const parsed = studyFileSchema.safeParse(raw);
	if (parsed.success) return parsed.data;
	throw new ValidationError(
		parsed.error.issues.map((i) => ({
			file,
			line: lineOf(i.path as (string | number)[]),
			field: i.path.length ? i.path.join('.') : undefined,
			message: i.message
		}))
	);
}

/**
 * Parses JSON Lines one line at a time (a file's text, or its lines as they are read): the
 * well-formed rows, and an issue for every malformed, too deep or key-repeating line. Blank
 * lines are skipped.
 */
export function readJsonl(
	input: string | Iterable<Line>,
	file: string
): { rows: Located<unknown>[]; issues: Issue[] } {
	const rows: Located<unknown>[] = [];
	const issues: Issue[] = [];
	for (const { line, text } of typeof input === 'string' ? textLines(input) : input) {
		if (text.trim() === '') continue;
		const parsed = parseJsonLine(text);
		if (!parsed.ok) {
			const { column, field, message } = parsed.issue;
			const where = column === undefined ? '' : ` at column ${column}`;
			issues.push({ file, line, ...(field ? { field } : {}), message: message + where });
			continue;
		}
		// JSON's \u0000 and lone \ud800 escapes give text the database cannot store.
		const bad = findUnstorable(parsed.value);
		if (bad) issues.push({ file, line, field: bad.field || undefined, message: bad.message });
		else rows.push({ line, value: parsed.value });
	}
	return { rows, issues };
}

/** As readJsonl, throwing one ValidationError when any line is refused. */
export function parseJsonl(input: string | Iterable<Line>, file: string): Located<unknown>[] {
	const { rows, issues } = readJsonl(input, file);
	if (issues.length) throw new ValidationError(issues);
	return rows;
}

/** Validates case rows: schema, unique ids, gold ICD-10 consistent with the source's. */
export function validateCases(rows: Located<unknown>[], file: string): Located<CaseRow>[] {
	const issues: Issue[] = [];
	const out: Located<CaseRow>[] = [];
	const seen = new Map<string, number>();
	if (rows.length === 0) issues.push({ file, message: 'has no cases' });
	for (const row of rows) {
		const parsed = caseRowSchema.safeParse(row.value);
		if (!parsed.success) {
			issues.push(...zodIssues(parsed.error, file, row.line));
			continue;
		}
		const first = seen.get(parsed.data.id);
		if (first !== undefined) {
			issues.push({
				file,
				line: row.line,
				field: 'id',
				message: `duplicate case id "${parsed.data.id}" (first on line ${first})`
			});
			continue;
		}
		seen.set(parsed.data.id, row.line);
		out.push({ line: row.line, value: parsed.data });
	}
	if (issues.length) throw new ValidationError(issues);
	return out;
}

/**
 * Validates imported outputs for one checkpoint: schema, known case ids, one output per case
 * and task, a `checkpoint` field (when given) that matches the checkpoint the file is attached
 * to, and a known `task` (required when the study has several; filled in when it has one).
 */
export function validateOutputs(
	rows: Located<unknown>[],
	file: string,
	checkpoint: string,
	caseIds: ReadonlySet<string>,
	tasks: readonly string[] = [DEFAULT_TASK]
): Located<OutputRow & { task: string }>[] {
	const issues: Issue[] = [];
	const out: Located<OutputRow & { task: string }>[] = [];
	const seen = new Map<string, number>();
	if (rows.length === 0) issues.push({ file, message: 'has no outputs' });
	const only = tasks.length === 1 ? tasks[0] : undefined;
	for (const row of rows) {
		const parsed = outputRowSchema.safeParse(row.value);
		if (!parsed.success) {
			issues.push(...zodIssues(parsed.error, file, row.line));
			continue;
		}
		const o = parsed.data;
		if (o.checkpoint !== undefined && o.checkpoint !== checkpoint) {
			issues.push({
				file,
				line: row.line,
				field: 'checkpoint',
				message: `is "${o.checkpoint}" but this file belongs to checkpoint "${checkpoint}"`
			});
		}
		if (!caseIds.has(o.case_id)) {
			issues.push({
				file,
				line: row.line,
				field: 'case_id',
				message: `unknown case "${o.case_id}"`
			});
			continue;
		}
		const task = o.task ?? only;
		if (task === undefined || !tasks.includes(task)) {
			issues.push({
				file,
				line: row.line,
				field: 'task',
				message:
					task === undefined
						? `is required: the study has the tasks ${tasks.join(', ')}`
						: `unknown task "${task}" (the study has ${tasks.join(', ')})`
			});
			continue;
		}
		const key = `${task}\u0000${o.case_id}`;
		const first = seen.get(key);
		if (first !== undefined) {
			issues.push({
				file,
				line: row.line,
				field: 'case_id',
				message: `duplicate output for case "${o.case_id}"${only ? '' : ` and task "${task}"`} (first on line ${first})`
			});
			continue;
		}
		seen.set(key, row.line);
		out.push({ line: row.line, value: { ...o, task } });
	}
	if (issues.length) throw new ValidationError(issues);
	return out;
}

/**
 * Turns CSV records (header → value) into case objects: `id`, `site`, `reference`,
 * `references.<name>` (a task's reference), `gold_modality` and `gold_icd10` are special; every other column becomes a source field, and
 * dotted headers nest (`radiotherapy.total_dose_gy` → source.radiotherapy.total_dose_gy).
 * Numeric-looking values stay strings: the source is shown to raters as written.
 */
export function csvRecordToCase(record: Record<string, string>): Record<string, unknown> {
	const source: Record<string, unknown> = {};
	const out: Record<string, unknown> = { source };
	const gold: Record<string, string> = {};
	const references: Record<string, string> = {};
	for (const [key, value] of Object.entries(record)) {
		if (key === 'id' || key === 'site' || key === 'reference') {
			if (value !== '') out[key] = value;
		} else if (key === 'gold_modality' || key === 'gold_icd10') {
			if (value !== '') gold[key.slice(5)] = value;
		} else if (key.startsWith('references.')) {
			if (value !== '') references[key.slice('references.'.length)] = value;
		} else if (value !== '') {
			let target = source;
			const parts = key.split('.');
			parts.slice(0, -1).forEach((p) => {
				const next = target[p];
				target = (typeof next === 'object' && next !== null ? next : (target[p] = {})) as Record<
					string,
					unknown
				>;
			});
			target[parts[parts.length - 1]!] = value;
		}
	}
	if (Object.keys(gold).length) out.gold = gold;
	if (Object.keys(references).length) out.references = references;
	return out;
}
