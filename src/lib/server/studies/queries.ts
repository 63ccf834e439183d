import type { CheckpointKind } from '../../domain/enums';
import { and, asc, count, eq, sql } from 'drizzle-orm';
import { NotFoundError } from '../../errors';
import type { Db } from '../db';
import { cases, checkpoints, outputs, studies } from '../db/schema';

export type Study = typeof studies.$inferSelect;

export async function list(db: Db): Promise<Study[]> {
	return db.select().from(studies).orderBy(asc(studies.name));
}

export async function bySlug(db: Db, slug: string): Promise<Study> {
	const [study] = await db.select().from(studies).where(eq(studies.slug, slug));
	if (!study) throw new NotFoundError(`Study "${slug}" not found`);
	return study;
}

export interface CheckpointStatus {
	id: string;
	name: string;
	kind: CheckpointKind;
	pending: number;
	running: number;
	done: number;
	error: number;
}

export interface StudyStatus {
	cases: number;
	checkpoints: CheckpointStatus[];
}

/** Output counts per checkpoint and status: for coordinators and the CLI, never for raters. */
export async function status(db: Db, studyId: string): Promise<StudyStatus> {
	const [{ n }] = (await db
		.select({ n: count() })
		.from(cases)
		.where(eq(cases.studyId, studyId))) as [{ n: number }];
	const by = (s: string) =>
		sql<number>`count(*) filter (where ${outputs.status} = ${s})`.mapWith(Number);
	const rows = await db
		.select({
			id: checkpoints.id,
			name: checkpoints.name,
			kind: checkpoints.kind,
			pending: by('pending'),
			running: by('running'),
			done: by('done'),
			error: by('error')
		})
		.from(checkpoints)
		.leftJoin(outputs, eq(outputs.checkpointId, checkpoints.id))
		.where(eq(checkpoints.studyId, studyId))
		.groupBy(checkpoints.id)
		.orderBy(asc(checkpoints.name));
	return { cases: n, checkpoints: rows };
}

/**
 * A checkpoint's outputs with their provenance, for coordinators (never for raters: this names
 * models, hashes, timings and token counts).
 */
export async function outputsOf(db: Db, studyId: string, checkpoint: string) {
	const [cp] = await db
		.select()
		.from(checkpoints)
		.where(and(eq(checkpoints.studyId, studyId), eq(checkpoints.name, checkpoint)));
	if (!cp) throw new NotFoundError(`Checkpoint "${checkpoint}" not found`);
	const rows = await db
		.select({ externalId: cases.externalId, output: outputs })
		.from(outputs)
		.innerJoin(cases, eq(cases.id, outputs.caseId))
		.where(eq(outputs.checkpointId, cp.id))
		.orderBy(asc(cases.position));
	return { checkpoint: cp, outputs: rows.map((r) => ({ ...r.output, caseId: r.externalId })) };
}
