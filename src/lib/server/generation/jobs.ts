/**
 * The generation_jobs table: one row per run and checkpoint, updated on a heartbeat with the
 * progress the CLI prints, read by the coordinator UI. Cancellation is a flag on the row, so it
 * reaches a job in any process; a job whose heartbeat went stale is shown as interrupted.
 */
import { and, desc, eq, inArray } from 'drizzle-orm';
import { NotFoundError, ValidationError } from '../../errors';
import * as audit from '../audit/record';
import type { Actor } from '../auth/actors';
import type { Db } from '../db';
import { isDeadLocalWorker } from '../process-alive';
import { checkpoints, generationJobs } from '../db/schema';

export type GenerationJob = typeof generationJobs.$inferSelect;

/** How often a running job writes its heartbeat; a job silent for 4× this is interrupted. */
export const HEARTBEAT_MS = 2000;
const STALE_MS = 4 * HEARTBEAT_MS;

export async function start(
	db: Db,
	input: { studyId: string; checkpointId: string; worker: string; total: number }
): Promise<GenerationJob> {
	const [job] = await db.insert(generationJobs).values(input).returning();
	return job!;
}

export async function beat(
	db: Db,
	jobId: string,
	p: { done: number; errors: number; tokensPerSecond: number | null; etaSeconds: number | null }
): Promise<{ cancelRequested: boolean }> {
	const [row] = await db
		.update(generationJobs)
		.set({
			done: p.done,
			errors: p.errors,
			tokensPerSecond: p.tokensPerSecond,
			etaSeconds: p.etaSeconds === null ? null : Math.round(p.etaSeconds),
			heartbeatAt: new Date()
		})
		.where(eq(generationJobs.id, jobId))
		.returning({ cancelRequested: generationJobs.cancelRequested });
	return { cancelRequested: row?.cancelRequested ?? false };
}

export async function finish(
	db: Db,
	jobId: string,
	status: 'done' | 'failed' | 'cancelled',
	message: string | null
): Promise<void> {
	await db
		.update(generationJobs)
		.set({ status, message, finishedAt: new Date(), heartbeatAt: new Date() })
		.where(eq(generationJobs.id, jobId));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu;

/**
 * Asks a running job of this study to stop (it stops at its next heartbeat, in any process),
 * audited in the same transaction. A job id that is empty or malformed is a ValidationError; a
 * job of another study, or none, is a NotFoundError. Returns false when the job had already
 * ended (nothing to cancel, nothing recorded).
 */
export async function requestCancel(
	db: Db,
	actor: Actor,
	studyId: string,
	jobId: string
): Promise<boolean> {
	if (!UUID.test(jobId)) {
		throw new ValidationError([{ field: 'job', message: 'choose a generation job to cancel' }]);
	}
	return db.transaction(async (tx) => {
		const [job] = await tx
			.select({ id: generationJobs.id, status: generationJobs.status })
			.from(generationJobs)
			.where(and(eq(generationJobs.id, jobId), eq(generationJobs.studyId, studyId)));
		if (!job) throw new NotFoundError('No such generation job in this study');
		if (job.status !== 'running') return false;
		await tx
			.update(generationJobs)
			.set({ cancelRequested: true })
			.where(eq(generationJobs.id, jobId));
		await audit.record(tx, actor, {
			action: 'generation.cancel',
			entity: 'generation_job',
			entityId: jobId,
			studyId,
			before: { cancelRequested: false },
			after: { cancelRequested: true }
		});
		return true;
	});
}

/**
 * Jobs whose process died become 'interrupted' (their outputs resume on the next run): a job of
 * this host whose process is gone at once, any other job once its heartbeat is stale.
 */
export async function markInterrupted(db: Db): Promise<number> {
	const running = await db
		.select({
			id: generationJobs.id,
			worker: generationJobs.worker,
			heartbeatAt: generationJobs.heartbeatAt
		})
		.from(generationJobs)
		.where(eq(generationJobs.status, 'running'));
	const now = Date.now();
	const gone = running
		.filter((j) => isDeadLocalWorker(j.worker) || now - j.heartbeatAt.getTime() > STALE_MS)
		.map((j) => j.id);
	if (!gone.length) return 0;
	await db
		.update(generationJobs)
		.set({ status: 'interrupted', finishedAt: new Date(), message: 'the process stopped' })
		.where(and(inArray(generationJobs.id, gone), eq(generationJobs.status, 'running')));
	return gone.length;
}

export interface JobView extends GenerationJob {
	checkpoint: string;
}

export async function recent(db: Db, studyId: string, limit = 10): Promise<JobView[]> {
	await markInterrupted(db);
	const rows = await db
		.select({ job: generationJobs, checkpoint: checkpoints.name })
		.from(generationJobs)
		.innerJoin(checkpoints, eq(checkpoints.id, generationJobs.checkpointId))
		.where(eq(generationJobs.studyId, studyId))
		.orderBy(desc(generationJobs.startedAt))
		.limit(limit);
	return rows.map((r) => ({ ...r.job, checkpoint: r.checkpoint }));
}
