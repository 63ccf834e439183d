/**
 * The tasks of a study (issue 14, point 4). A study may declare several tasks in study.yaml
 * (`tasks:`), e.g. a letter, a treatment regimen and a modality label; each has its own form (or
 * none, when it is scored only automatically), its own reference field in the cases, its own
 * prompt in each checkpoint manifest (`prompts: {<task>: …}`) and its own extraction rules.
 * Outputs and rounds carry their task's key. A study without `tasks:` has one implicit task,
 * DEFAULT_TASK, with the study's form, the cases' `reference` and the manifest's promptTemplate:
 * every study written before tasks existed reads exactly as before. Pure.
 */
import { z } from 'zod';
import { ratingFormSchema, type RatingForm } from './rating-form';
import { extractionSettingsSchema, type ExtractionSettings } from './extraction-settings';

/** The key of a study's implicit task (the one of a study without `tasks:`), in outputs and rounds. */
export const DEFAULT_TASK = 'main';

/** The automatic metrics a task may be scored with. */
export const TASK_METRICS = ['rouge', 'modality', 'icd10'] as const;
export type TaskMetric = (typeof TASK_METRICS)[number];

export const taskKeySchema = z
	.string()
	.regex(/^[a-z][a-z0-9_]*$/, 'use lower-case letters, digits and "_", starting with a letter')
	.max(40);

/**
 * Where a task's reference text is in a case: `reference` is the case's own `reference` field,
 * `references.<name>` one entry of its `references` object.
 */
const referenceFieldSchema = z
	.string()
	.regex(
		/^(reference|references\.[A-Za-z0-9_]+)$/,
		'is "reference" or "references.<name>" (a field of the cases)'
	);

export const taskSchema = z
	.object({
		key: taskKeySchema,
		label: z.string().trim().min(1).max(200).optional(),
		/** Its rating form; without one the task is scored only automatically (no round). */
		form: ratingFormSchema.optional(),
		/** Default: `references.<key>`. */
		reference: referenceFieldSchema.optional(),
		/** The automatic metrics that apply; default ROUGE only. */
		metrics: z.array(z.enum(TASK_METRICS)).min(1).optional(),
		/** Label-extraction rules of this task, instead of the study's `analysis.extraction`. */
		extraction: extractionSettingsSchema.optional()
	})
	.strict();
export type TaskInput = z.output<typeof taskSchema>;

/** A task with its defaults filled in, as stored on the study row. */
export interface StudyTask {
	key: string;
	label: string;
	form: RatingForm | null;
	reference: string;
	metrics: TaskMetric[];
	extraction: ExtractionSettings | null;
}

/**
 * The tasks of a study: those declared, with their defaults, or the one implicit task built from
 * the study's own form and settings.
 */
export function resolveTasks(study: {
	tasks?: TaskInput[] | null;
	form?: RatingForm | null;
	analysis?: { extraction?: ExtractionSettings } | null;
}): StudyTask[] {
	if (!study.tasks?.length)
		return [
			{
				key: DEFAULT_TASK,
				label: 'Letter',
				form: study.form ?? null,
				reference: 'reference',
				metrics: ['rouge', 'modality', 'icd10'],
				extraction: study.analysis?.extraction ?? null
			}
		];
	return study.tasks.map((t) => ({
		key: t.key,
		label: t.label ?? t.key,
		form: t.form ?? null,
		reference: t.reference ?? `references.${t.key}`,
		metrics: t.metrics ?? ['rouge'],
		extraction: t.extraction ?? study.analysis?.extraction ?? null
	}));
}

/** Whether a study declares tasks of its own (exports then carry a `task` column). */
export function isMultiTask(tasks: readonly StudyTask[] | null | undefined): boolean {
	return !!tasks && (tasks.length > 1 || tasks[0]?.key !== DEFAULT_TASK);
}

/** A task's reference text for one case (null when the case has none). */
export function referenceOf(
	task: Pick<StudyTask, 'reference'>,
	c: { reference: string | null; references?: Record<string, string> | null }
): string | null {
	if (task.reference === 'reference') return c.reference;
	return c.references?.[task.reference.slice('references.'.length)] ?? null;
}

/** The prompt template a checkpoint uses for a task: its own for the task, else promptTemplate. */
export function promptFor(
	manifest: { promptTemplate: string; prompts?: Record<string, string> },
	task: string
): string {
	return manifest.prompts?.[task] ?? manifest.promptTemplate;
}

/** The task keys of a study row (`studies.tasks`; null is the one implicit task). */
export function storedTaskKeys(tasks: readonly StudyTask[] | null | undefined): string[] {
	return tasks?.length ? tasks.map((t) => t.key) : [DEFAULT_TASK];
}

/**
 * The task of a key on a study row (the implicit task built from the row when it has no tasks).
 * A key the study no longer declares falls back to the implicit task's settings.
 */
export function taskOfStudy(
	study: {
		tasks: StudyTask[] | null;
		form: RatingForm;
		analysis?: { extraction?: ExtractionSettings } | null;
	},
	key: string
): StudyTask {
	const implicit = resolveTasks({ form: study.form, analysis: study.analysis });
	return study.tasks?.find((t) => t.key === key) ?? implicit[0]!;
}

/**
 * What a case gives a task's automatic metrics: its reference text for ROUGE and its gold labels,
 * each only when the task is scored on that metric (the implicit task is scored on all three).
 */
export function caseTruth(
	task: Pick<StudyTask, 'reference' | 'metrics'>,
	c: {
		externalId: string;
		reference: string | null;
		references?: Record<string, string> | null;
		goldModality: string | null;
		goldIcd10: string | null;
	}
) {
	return {
		caseId: c.externalId,
		reference: task.metrics.includes('rouge') ? referenceOf(task, c) : null,
		goldModality: task.metrics.includes('modality') ? c.goldModality : null,
		goldIcd10: task.metrics.includes('icd10') ? c.goldIcd10 : null
	};
}

/** Stored tasks written back as study.yaml declares them (no empty fields), for folder exports. */
export function taskDeclarations(tasks: readonly StudyTask[]): TaskInput[] {
	return tasks.map((t) => ({
		key: t.key,
		label: t.label,
		...(t.form ? { form: t.form } : {}),
		reference: t.reference,
		metrics: t.metrics,
		...(t.extraction ? { extraction: t.extraction } : {})
	}));
}
