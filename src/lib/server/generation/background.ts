/**
 * Generation started from the coordinator UI: preflight and import run inside the request (so
 * errors show on the form), the work itself in the background of the server process. Progress
 * and cancellation go through the generation_jobs table, exactly as for the CLI.
 */
import { randomUUID } from 'node:crypto';
import { ConflictError, ValidationError } from '../../errors';
import type { Actor } from '../auth/actors';
import type { Db } from '../db';
import { logServerError } from '../log';
import { loadStudy } from '../studies/loader';
import { prepareGeneration } from './job';

const running = new Map<string, { controller: AbortController; done: Promise<void> }>();

export async function startInBackground(
	db: Db,
	actor: Actor,
	study: { id: string; slug: string; sourceDir: string | null },
	checkpoint: string
): Promise<void> {
	if (!checkpoint.trim())
		throw new ValidationError([
			{ field: 'checkpoint', message: 'choose a checkpoint to generate' }
		]);
	if (!study.sourceDir)
		throw new ValidationError([
			{
				message: `study "${study.slug}" was not imported from a folder, so it has no checkpoint manifests to run`
			}
		]);
	const key = `${study.id}/${checkpoint}`;
	if (running.has(key)) throw new ConflictError(`Generation of "${checkpoint}" is already running`);
	const controller = new AbortController();
	const prepared = await prepareGeneration(db, actor, loadStudy(study.sourceDir), {
		checkpoint,
		signal: controller.signal
	});
	const done = prepared
		.run()
		.then(
			() => undefined,
			(e: unknown) => logServerError(randomUUID(), `generation of ${study.slug}/${checkpoint}`, e)
		)
		.finally(() => running.delete(key));
	running.set(key, { controller, done });
}

/** On shutdown: stop every background job cleanly (leases released, job rows closed). */
export async function stopAll(): Promise<void> {
	for (const r of running.values()) r.controller.abort(new Error('The server is shutting down'));
	await Promise.all([...running.values()].map((r) => r.done));
}
