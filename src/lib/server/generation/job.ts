/**
 * The pre-compute job: fills in every missing output of a study's local checkpoints, one
 * checkpoint (one model) at a time, writing each output as soon as it is finished so that a job
 * stopped at any point resumes with the rest. Prompts are rendered for every case before the
 * model loads, so a template error stops the job before anything is written.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { and, eq, inArray, ne } from 'drizzle-orm';
import { renderPrompt, type CheckpointManifest } from '../../domain/checkpoint-manifest';
import { normalizeOutput } from '../../domain/normalize';
import { ConflictError, ValidationError, type Issue } from '../../errors';
import type { Actor } from '../auth/actors';
import * as audit from '../audit';
import type { Db } from '../db';
import { cases, checkpoints, items, outputs } from '../db/schema';
import { importStudy } from '../studies/import';
import type { StudyDefinition } from '../studies/loader';
import { describeRuntime, preflightModel, runGeneration, type GenerationResult } from './llama';

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
	signal?: AbortSignal;
	onProgress?: (p: GenerationProgress) => void;
}

/** SHA-256 of a file, streamed (model files are gigabytes). */
export async function sha256File(file: string): Promise<string> {
	const hash = createHash('sha256');
	for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
	return hash.digest('hex');
}

export async function generateStudy(
	db: Db,
	actor: Actor,
	def: StudyDefinition,
	opts: GenerateOptions = {}
): Promise<{ done: number; errors: number }> {
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
	// The database follows the files: importing is idempotent and creates the pending outputs.
	const { studyId } = await importStudy(db, actor, def);
	let done = 0;
	let errors = 0;
	for (const cp of local) {
		const r = await generateCheckpoint(
			db,
			actor,
			studyId,
			cp.name,
			cp.manifest!,
			path.dirname(cp.manifestFile!),
			opts
		);
		done += r.done;
		errors += r.errors;
	}
	return { done, errors };
}

async function generateCheckpoint(
	db: Db,
	actor: Actor,
	studyId: string,
	name: string,
	manifest: CheckpointManifest,
	manifestDir: string,
	opts: GenerateOptions
): Promise<{ done: number; errors: number }> {
	const [checkpoint] = await db
		.select()
		.from(checkpoints)
		.where(and(eq(checkpoints.studyId, studyId), eq(checkpoints.name, name)));
	if (!checkpoint) throw new Error(`checkpoint ${name} missing after import`);
	if (opts.force) await resetForForce(db, checkpoint.id, name);

	const work = await db
		.select({ id: outputs.id, caseId: cases.externalId, source: cases.source })
		.from(outputs)
		.innerJoin(cases, eq(cases.id, outputs.caseId))
		.where(and(eq(outputs.checkpointId, checkpoint.id), ne(outputs.status, 'done')))
		.orderBy(cases.position);
	const progress: GenerationProgress = {
		checkpoint: name,
		done: 0,
		total: work.length,
		errors: 0,
		tokensPerSecond: null,
		etaSeconds: null
	};
	opts.onProgress?.(progress);
	if (!work.length) return { done: 0, errors: 0 };

	// Preflight: every prompt renders and every file is a valid GGUF, before anything runs.
	const issues: Issue[] = [];
	const requests = work.flatMap((w) => {
		try {
			return [{ key: w.id, prompt: renderPrompt(manifest.promptTemplate, w.caseId, w.source) }];
		} catch (e) {
			issues.push({ field: `case ${w.caseId}`, message: (e as Error).message });
			return [];
		}
	});
	const modelPath = path.resolve(manifestDir, manifest.model);
	const adapterPaths = manifest.adapters.map((a) => path.resolve(manifestDir, a.path));
	const files: [string, 'model' | 'adapter'][] = [
		[modelPath, 'model'],
		...adapterPaths.map((p): [string, 'adapter'] => [p, 'adapter'])
	];
	for (const [file, kind] of files) {
		try {
			await preflightModel(file, kind);
		} catch (e) {
			issues.push({ file, message: (e as Error).message });
		}
	}
	if (issues.length) throw new ValidationError(issues, `Checkpoint "${name}" cannot run`);

	const modelSha256 = await sha256File(modelPath);
	const adapters = await Promise.all(
		manifest.adapters.map(async (a, i) => ({
			path: a.path,
			scale: a.scale,
			sha256: await sha256File(adapterPaths[i]!)
		}))
	);
	await db
		.update(checkpoints)
		.set({ modelSha256, adapters })
		.where(eq(checkpoints.id, checkpoint.id));
	const runtime = await describeRuntime(manifest);
	const manifestForRun = opts.parallel ? { ...manifest, parallel: opts.parallel } : manifest;

	const started = Date.now();
	let tokens = 0;
	await runGeneration(manifestForRun, manifestDir, requests, {
		signal: opts.signal,
		onResult: async (r) => {
			await writeResult(db, r, { modelSha256, adapters, runtime, manifest: manifestForRun });
			progress.done++;
			if (r.finishReason === 'error') progress.errors++;
			tokens += r.completionTokens;
			const elapsed = (Date.now() - started) / 1000;
			progress.tokensPerSecond = elapsed > 0 ? tokens / elapsed : null;
			progress.etaSeconds = (elapsed / progress.done) * (progress.total - progress.done);
			opts.onProgress?.({ ...progress });
		}
	});
	await audit.record(db, actor, {
		action: 'generation.run',
		entity: 'checkpoint',
		entityId: checkpoint.id,
		studyId,
		after: { outputs: progress.done, errors: progress.errors, modelSha256 }
	});
	return { done: progress.done - progress.errors, errors: progress.errors };
}

async function writeResult(
	db: Db,
	r: GenerationResult,
	ctx: {
		modelSha256: string;
		adapters: { path: string; scale: number; sha256: string }[];
		runtime: Record<string, unknown>;
		manifest: CheckpointManifest;
	}
): Promise<void> {
	const ok = r.finishReason !== 'error';
	const normalized = normalizeOutput(r.text);
	await db
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
			provenance: {
				source: 'local',
				model: ctx.manifest.model,
				modelSha256: ctx.modelSha256,
				adapters: ctx.adapters,
				...ctx.runtime,
				chatTemplate: ctx.manifest.chatTemplate,
				systemPrompt: ctx.manifest.systemPrompt,
				sampling: ctx.manifest.sampling,
				contextSize: ctx.manifest.contextSize,
				renderedPrompt: r.renderedPrompt,
				renderedPromptSha256: createHash('sha256').update(r.renderedPrompt).digest('hex'),
				generatedAt: new Date().toISOString()
			},
			updatedAt: new Date()
		})
		.where(eq(outputs.id, r.key));
}

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
	await db.update(outputs).set({ status: 'pending' }).where(eq(outputs.checkpointId, checkpointId));
}
