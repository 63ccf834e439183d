// Over 300 lines: one job's life; leases.ts, jobs.ts and plan.ts hold the rest.
/**
 * The pre-compute job: fills in every missing output of a study's local checkpoints, one
 * checkpoint (one model) at a time. Outputs are claimed under a lease (leases.ts), so
 * a job killed at any point, or several workers on one PostgreSQL, never compute an output
 * twice and never lose one; each result is written as soon as it is finished. Preflight runs
 * before anything is claimed or written.
 */
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import { and, eq, inArray } from 'drizzle-orm';
import { renderPrompt, type CheckpointManifest } from '../../domain/checkpoint-manifest';
import { normalizeOutput, type NormalizeSettings } from '../../domain/normalize';
import { promptFor, resolveTasks } from '../../domain/tasks';
import { ConflictError, ValidationError, type Issue } from '../../errors';
import type { Actor } from '../auth/actors';
import * as audit from '../audit/record';
import type { Db } from '../db';
import { cases, checkpoints, items, outputs, studies } from '../db/schema';
import { importStudy } from '../studies/import';
import type { StudyDefinition } from '../studies/loader';
import { digestOf } from './digests';
import * as jobs from './jobs';
import { logServerError } from '../log';
import * as leases from './leases';
import { runGeneration, type GenerationResult, type RunSummary, type RuntimeInfo } from './llama';
import { estimateSeconds, formatPlan, type HardwarePlan } from './plan';
import { preflight } from './preflight';
import { traced, tracer } from './trace';

export interface GenerationProgress {
	checkpoint: string;
	done: number;
	total: number;
	errors: number;
	tokensPerSecond: number | null;
	etaSeconds: number | null;
}

export interface GenerateOptions {
	/** Only this checkpoint (default: every local checkpoint of the study). */
	checkpoint?: string;
	/** Recompute outputs that are done already (refused for outputs raters can see). */
	force?: boolean;
	/** Overrides the manifest's number of parallel sequences. */
	parallel?: number;
	/** Lease length; a dead worker's outputs return to the pool after this. Default 60 s. */
	leaseSeconds?: number;
	signal?: AbortSignal;
	onProgress?: (p: GenerationProgress) => void;
	/** Called once per checkpoint with the id of its generation_jobs row. */
	onJob?: (jobId: string) => void;
	/**
	 * Called once per checkpoint when its model is loaded, before the first output is claimed,
	 * with the plan in one line (formatPlan) and its parts.
	 */
	onPlan?: (line: string, plan: HardwarePlan) => void;
	/** Called once per checkpoint after its run, with what ran and how full the steps were. */
	onRun?: (summary: RunSummary) => void;
}

export interface GenerateResult {
	done: number;
	errors: number;
	cancelled: boolean;
}

/** Preflight, import, then generate every missing output (see prepareGeneration). */
export async function generateStudy(
	db: Db,
	actor: Actor,
	def: StudyDefinition,
	opts: GenerateOptions = {}
): Promise<GenerateResult> {
	return (await prepareGeneration(db, actor, def, opts)).run();
}

/**
 * Checks everything and imports the study (throwing a ValidationError listing every problem,
 * with nothing written, when anything is wrong); the returned run() then does the work. The web
 * app awaits this part in the request and runs the rest in the background.
 */
export async function prepareGeneration(
	db: Db,
	actor: Actor,
	def: StudyDefinition,
	opts: GenerateOptions = {}
): Promise<{ studyId: string; run: () => Promise<GenerateResult> }> {
	const local = def.checkpoints.filter(
		(c) => c.kind === 'local' && (!opts.checkpoint || c.name === opts.checkpoint)
	);
	if (opts.checkpoint && local.length === 0)
		throw new ValidationError([
			{
				field: 'checkpoint',
				message: `no local checkpoint "${opts.checkpoint}" in study "${def.slug}"`
			}
		]);
	// Preflight every checkpoint first: when anything is wrong, nothing at all is written.
	const prompts = new Map<string, Map<string, string>>();
	const issues: Issue[] = [];
	// Prompts by task and case (taskCase): a multi-task study renders each task's own template.
	const tasks = resolveTasks(def.study).map((t) => t.key);
	for (const cp of local) {
		const byCase = new Map<string, string>();
		for (const task of tasks)
			for (const { value } of def.cases) {
				const own = cp.manifest!.prompts?.[task] !== undefined;
				try {
					const template = promptFor(cp.manifest!, task);
					byCase.set(taskCase(task, value.id), renderPrompt(template, value.id, value.source));
				} catch (e) {
					issues.push({
						file: cp.manifestPath,
						field: own ? `prompts.${task}` : 'promptTemplate',
						message: `case ${value.id}: ${(e as Error).message}`
					});
				}
			}
		prompts.set(cp.name, byCase);
		// Preflight names a case by its id, and by its task too when the study has several.
		const named = (key: string) => {
			const [task, caseId] = key.split('\u0000') as [string, string];
			return tasks.length > 1 ? `${caseId}, task ${task}` : caseId;
		};
		const list = issues.length
			? []
			: [...byCase].map(([key, prompt]) => ({ caseId: named(key), prompt }));
		const manifest = opts.parallel ? { ...cp.manifest!, parallel: opts.parallel } : cp.manifest!;
		const found = await preflight(manifest, path.dirname(cp.manifestFile!), list);
		issues.push(...found.map((i) => ({ ...i, file: i.file ?? cp.manifestPath })));
	}
	if (issues.length) throw new ValidationError(issues, 'Generation cannot start');

	// The database follows the files: importing is idempotent and creates the pending outputs.
	const { studyId } = await importStudy(db, actor, def);
	const run = async (): Promise<GenerateResult> => {
		const total: GenerateResult = { done: 0, errors: 0, cancelled: false };
		for (const cp of local) {
			const manifestDir = path.dirname(cp.manifestFile!);
			const r = await generateCheckpoint(
				db,
				actor,
				studyId,
				cp.name,
				cp.manifest!,
				manifestDir,
				prompts.get(cp.name)!,
				opts
			);
			total.done += r.done;
			total.errors += r.errors;
			if (r.cancelled) return { ...total, cancelled: true };
		}
		return total;
	};
	return { studyId, run };
}

async function generateCheckpoint(
	db: Db,
	actor: Actor,
	studyId: string,
	name: string,
	manifest: CheckpointManifest,
	manifestDir: string,
	promptsByCase: Map<string, string>,
	opts: GenerateOptions
): Promise<GenerateResult> {
	const [checkpoint] = await db
		.select()
		.from(checkpoints)
		.where(and(eq(checkpoints.studyId, studyId), eq(checkpoints.name, name)));
	if (!checkpoint) throw new Error(`checkpoint ${name} missing after import`);
	// The study's own normalization patterns, read once: raters see every output normalized alike.
	const [study] = await db
		.select({ normalize: studies.normalize })
		.from(studies)
		.where(eq(studies.id, studyId));
	const normalize = study?.normalize ?? null;

	const all = await db
		.select({ id: outputs.id, caseId: cases.externalId, task: outputs.task })
		.from(outputs)
		.innerJoin(cases, eq(cases.id, outputs.caseId))
		.where(eq(outputs.checkpointId, checkpoint.id));
	const prompts = new Map(all.map((o) => [o.id, promptsByCase.get(taskCase(o.task, o.caseId))!]));
	if (opts.force) await resetForForce(db, checkpoint.id, name);
	await leases.recoverDeadLocal(db, checkpoint.id);
	await jobs.markInterrupted(db);
	// Failed outputs get one new attempt per run.
	await db
		.update(outputs)
		.set({ status: 'pending', error: null })
		.where(and(eq(outputs.checkpointId, checkpoint.id), eq(outputs.status, 'error')));
	const pending = await db
		.select({ id: outputs.id })
		.from(outputs)
		.where(
			and(eq(outputs.checkpointId, checkpoint.id), inArray(outputs.status, ['pending', 'running']))
		);
	const remaining = pending.length;
	const progress: GenerationProgress = {
		checkpoint: name,
		done: 0,
		total: remaining,
		errors: 0,
		tokensPerSecond: null,
		etaSeconds: null
	};
	opts.onProgress?.(progress);
	if (!remaining) return { done: 0, errors: 0, cancelled: false };

	const modelSha256 = await digestOf(db, path.resolve(manifestDir, manifest.model));
	const adapters = await Promise.all(
		manifest.adapters.map(async (a) => ({
			path: a.path,
			scale: a.scale,
			sha256: await digestOf(db, path.resolve(manifestDir, a.path))
		}))
	);
	await db
		.update(checkpoints)
		.set({ modelSha256, adapters })
		.where(eq(checkpoints.id, checkpoint.id));
	const runManifest = opts.parallel ? { ...manifest, parallel: opts.parallel } : manifest;
	// Set once the model is loaded (before the first claim): what actually runs.
	let runtime: RuntimeInfo | null = null;
	const leaseSeconds = opts.leaseSeconds ?? 60;
	const worker = leases.newWorkerId();
	const job = await jobs.start(db, {
		studyId,
		checkpointId: checkpoint.id,
		worker,
		total: remaining
	});
	opts.onJob?.(job.id);

	const stop = new AbortController();
	const onAbort = () => stop.abort(opts.signal?.reason);
	opts.signal?.addEventListener('abort', onAbort, { once: true });
	let cancelled = false;
	const heartbeat = setInterval(
		() => {
			void (async () => {
				const { cancelRequested } = await traced('heartbeat', async () => {
					await leases.extend(db, worker, leaseSeconds);
					return jobs.beat(db, job.id, progress);
				});
				if (cancelRequested && !stop.signal.aborted)
					stop.abort(new Error('Cancelled by a coordinator'));
			})().catch((e: unknown) =>
				logServerError(randomUUID(), `generation heartbeat of job ${job.id}`, e)
			);
		},
		Math.min(jobs.HEARTBEAT_MS, (leaseSeconds * 1000) / 3)
	);

	const started = Date.now();
	let tokens = 0;
	// Outputs are claimed as many at a time as there are sequences (one round trip where a claim
	// each took one per output), kept in claim order; a claim that comes back short means nothing
	// was left, and later calls return null without asking again. Claimed outputs not yet started
	// hold their leases like running ones: the heartbeat extends them, the end releases them.
	const batch = Math.max(1, Math.min(runManifest.parallel, remaining));
	const claimed: { id: string }[] = [];
	let dry = false;
	const source = {
		size: remaining,
		prompts: pending.map((o) => prompts.get(o.id)!),
		next: async () => {
			if (claimed.length === 0 && !dry) {
				const rows = await traced('claim', () =>
					leases.claim(db, checkpoint.id, worker, leaseSeconds, batch)
				);
				dry = rows.length < batch;
				claimed.push(...rows);
			}
			const row = claimed.shift();
			return row ? { key: row.id, prompt: prompts.get(row.id)! } : null;
		}
	};
	const onReady = ({ runtime: ran, plan, estimate }: Parameters<RunReadyHandler>[0]) => {
		runtime = ran;
		if (estimate) progress.etaSeconds = estimateSeconds(estimate, plan.sequences);
		opts.onPlan?.(`Plan for "${name}": ${formatPlan(plan, estimate)}`, plan);
		opts.onProgress?.({ ...progress });
	};
	const onResult = async (r: GenerationResult) => {
		const written = await traced('write', () =>
			writeResult(db, worker, r, {
				modelSha256,
				adapters,
				runtime: runtime!,
				manifest: runManifest,
				normalize
			})
		);
		if (!written) return; // lease lost (this worker was presumed dead): another worker owns the output now
		progress.done++;
		if (r.finishReason === 'error') progress.errors++;
		tokens += r.completionTokens;
		const elapsed = (Date.now() - started) / 1000;
		progress.tokensPerSecond = elapsed > 0 ? tokens / elapsed : null;
		progress.etaSeconds = (elapsed / progress.done) * Math.max(0, progress.total - progress.done);
		const reporting = performance.now();
		opts.onProgress?.({ ...progress });
		tracer()?.span('progress', performance.now() - reporting);
	};
	let failure: unknown = null;
	try {
		const summary = await runGeneration(runManifest, manifestDir, source, {
			signal: stop.signal,
			onResult,
			onReady
		});
		opts.onRun?.(summary);
	} catch (e) {
		if (stop.signal.aborted) cancelled = true;
		else failure = e;
	} finally {
		clearInterval(heartbeat);
		opts.signal?.removeEventListener('abort', onAbort);
		await leases.release(db, worker);
		await jobs.beat(db, job.id, progress);
		const message = failure
			? (failure as Error).message
			: cancelled
				? String((stop.signal.reason as Error)?.message ?? 'cancelled')
				: null;
		await jobs.finish(db, job.id, failure ? 'failed' : cancelled ? 'cancelled' : 'done', message);
		await audit.record(db, actor, {
			action: cancelled ? 'generation.cancel' : 'generation.run',
			entity: 'checkpoint',
			entityId: checkpoint.id,
			studyId,
			after: { job: job.id, outputs: progress.done, errors: progress.errors, modelSha256, worker }
		});
	}
	if (failure) throw failure;
	return { done: progress.done - progress.errors, errors: progress.errors, cancelled };
}

/** Writes a result while the worker still holds the output's lease; false when it lost it. */
async function writeResult(
	db: Db,
	worker: string,
	r: GenerationResult,
	ctx: {
		modelSha256: string;
		adapters: { path: string; scale: number; sha256: string }[];
		runtime: RuntimeInfo;
		manifest: CheckpointManifest;
		normalize: NormalizeSettings | null;
	}
): Promise<boolean> {
	const ok = r.finishReason !== 'error';
	const normalized = normalizeOutput(r.text, ctx.normalize);
	const written = await db
		.update(outputs)
		.set({
			status: ok ? 'done' : 'error',
			rawText: r.text,
			text: ok ? normalized.text : null,
			normalization: ok ? normalized.rules : null,
			error: r.error ?? null,
			seed: r.seed,
			promptTokens: r.promptTokens,
			completionTokens: r.completionTokens,
			durationMs: Math.round(r.durationMs),
			timeToFirstTokenMs: r.timeToFirstTokenMs === null ? null : Math.round(r.timeToFirstTokenMs),
			tokensPerSecond: r.tokensPerSecond,
			finishReason: r.finishReason,
			leaseOwner: null,
			leaseExpiresAt: null,
			provenance: {
				source: 'local',
				worker,
				model: ctx.manifest.model,
				modelSha256: ctx.modelSha256,
				adapters: ctx.adapters,
				...ctx.runtime,
				chatTemplate: ctx.manifest.chatTemplate,
				systemPrompt: ctx.manifest.systemPrompt,
				sampling: ctx.manifest.sampling,
				parallel: ctx.manifest.parallel,
				renderedPrompt: r.renderedPrompt,
				renderedPromptSha256: createHash('sha256').update(r.renderedPrompt).digest('hex'),
				generatedAt: new Date().toISOString()
			},
			updatedAt: new Date()
		})
		.where(
			and(eq(outputs.id, r.key), eq(outputs.leaseOwner, worker), eq(outputs.status, 'running'))
		)
		.returning({ id: outputs.id });
	return written.length === 1;
}

/** The key of a prompt by task and case id. */
const taskCase = (task: string, caseId: string) => `${task}\u0000${caseId}`;

type RunReadyHandler = NonNullable<Parameters<typeof runGeneration>[3]['onReady']>;

async function resetForForce(db: Db, checkpointId: string, name: string): Promise<void> {
	const ids = (
		await db.select({ id: outputs.id }).from(outputs).where(eq(outputs.checkpointId, checkpointId))
	).map((o) => o.id);
	if (!ids.length) return;
	const shown = await db
		.select({ id: items.id })
		.from(items)
		.where(inArray(items.outputId, ids))
		.limit(1);
	if (shown.length)
		throw new ConflictError(
			`Checkpoint "${name}" has outputs in a rating round; recomputing would change what raters see. Use a new checkpoint name instead.`
		);
	await db
		.update(outputs)
		.set({ status: 'pending', leaseOwner: null, leaseExpiresAt: null, attempts: 0 })
		.where(eq(outputs.checkpointId, checkpointId));
}
