import type { Db } from '../db';
import * as studies from '../studies/queries';
import * as jobs from './jobs';

export interface JobSummary {
	id: string;
	checkpoint: string;
	status: string;
	done: number;
	errors: number;
	total: number;
	tokensPerSecond: number | null;
	etaSeconds: number | null;
	message: string | null;
	startedAt: string;
	worker: string;
	cancelRequested: boolean;
}

/** Output counts per checkpoint and the recent jobs: what the coordinator's study page shows. */
export async function generationView(db: Db, slug: string) {
	const study = await studies.bySlug(db, slug);
	const recent = await jobs.recent(db, study.id);
	return {
		status: await studies.status(db, study.id),
		jobs: recent.map((j): JobSummary => ({
			id: j.id,
			checkpoint: j.checkpoint,
			status: j.status,
			done: j.done,
			errors: j.errors,
			total: j.total,
			tokensPerSecond: j.tokensPerSecond,
			etaSeconds: j.etaSeconds,
			message: j.message,
			startedAt: j.startedAt.toISOString(),
			worker: j.worker,
			cancelRequested: j.cancelRequested
		}))
	};
}
