/**
 * Cancelling a generation job: the job id is checked (empty or malformed: a ValidationError
 * naming the field; another study's job: not found), and a cancel request is audited.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../src/lib/errors';
import { CLI } from '../../src/lib/server/auth/actors';
import type { Database } from '../../src/lib/server/db';
import { auditLog, checkpoints, generationJobs, studies } from '../../src/lib/server/db/schema';
import * as jobs from '../../src/lib/server/generation/jobs';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { TEST_DATABASES } from '../support/databases';

describe.each(TEST_DATABASES)('cancelling a generation job on $name', ({ create }) => {
	let database: Database;
	let studyId: string;
	let jobId: string;
	beforeAll(async () => {
		database = await create();
		await importStudy(database.db, CLI, loadStudy('studies/demo'));
		const [study] = await database.db.select().from(studies).where(eq(studies.slug, 'demo'));
		studyId = study!.id;
		const [checkpoint] = await database.db
			.select()
			.from(checkpoints)
			.where(eq(checkpoints.studyId, studyId));
		const job = await jobs.start(database.db, {
			studyId,
			checkpointId: checkpoint!.id,
			worker: 'test',
			total: 3
		});
		jobId = job.id;
	});
	afterAll(async () => {
		await database?.close();
	});

	it('refuses an empty or malformed job id with a field error, writing nothing', async () => {
		for (const id of ['', 'not-a-uuid', "'; drop table x; --"]) {
			const err = await jobs.requestCancel(database.db, CLI, studyId, id).catch((e) => e);
			expect(err).toBeInstanceOf(ValidationError);
			expect((err as ValidationError).issues[0]).toMatchObject({ field: 'job' });
		}
		const audits = await database.db
			.select()
			.from(auditLog)
			.where(eq(auditLog.action, 'generation.cancel'));
		expect(audits).toHaveLength(0);
	});

	it("refuses another study's job or an unknown one as not found", async () => {
		const otherStudy = '00000000-0000-4000-8000-000000000000';
		await expect(jobs.requestCancel(database.db, CLI, otherStudy, jobId)).rejects.toBeInstanceOf(
			NotFoundError
		);
		await expect(
			jobs.requestCancel(database.db, CLI, studyId, '11111111-1111-4111-8111-111111111111')
		).rejects.toBeInstanceOf(NotFoundError);
	});

	it('flags a running job and audits the request; an ended job has nothing to cancel', async () => {
		expect(await jobs.requestCancel(database.db, CLI, studyId, jobId)).toBe(true);
		const [job] = await database.db
			.select()
			.from(generationJobs)
			.where(eq(generationJobs.id, jobId));
		expect(job!.cancelRequested).toBe(true);
		const audits = await database.db
			.select()
			.from(auditLog)
			.where(and(eq(auditLog.action, 'generation.cancel'), eq(auditLog.entityId, jobId)));
		expect(audits).toHaveLength(1);
		expect(audits[0]).toMatchObject({ actorType: 'cli', studyId, entity: 'generation_job' });

		await jobs.finish(database.db, jobId, 'cancelled', null);
		expect(await jobs.requestCancel(database.db, CLI, studyId, jobId)).toBe(false);
		const after = await database.db
			.select()
			.from(auditLog)
			.where(eq(auditLog.action, 'generation.cancel'));
		expect(after).toHaveLength(1);
	});
});
