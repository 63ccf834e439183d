/**
 * A rater's error marks on the letter of an absolute item (domain/marks.ts says what a mark is):
 * listed, created, changed and deleted by the rater who made them, in an open round whose form
 * turns marking on. Each change is one transaction with its audit row. A mark is known to the
 * rater by the id their browser chose for it; the response holds the mark and nothing else (no
 * checkpoint, output or internal id: see the blinding note in item.ts).
 */
import { and, asc, count, eq, sql } from 'drizzle-orm';
import {
	checkMark,
	isMarkId,
	markSettings,
	MAX_MARKS_PER_ITEM,
	sameMark,
	type Mark,
	type MarkInput
} from '../../domain/marks';
import { NotFoundError, ValidationError } from '../../errors';
import type { RaterActor } from '../auth/actors';
import * as audit from '../audit/record';
import type { Db } from '../db';
import { marks } from '../db/schema';
import { findAssignment, findAssignmentToChange } from './assignment';

const columns = {
	id: marks.clientId,
	kind: marks.kind,
	start: marks.start,
	end: marks.end,
	quote: marks.quote,
	field: marks.field,
	category: marks.category,
	note: marks.note,
	harmExtent: marks.harmExtent,
	harmLikelihood: marks.harmLikelihood
};

/** The rater's marks on one item, in the letter's order (omissions last). */
export async function listMarks(db: Db, rater: RaterActor, code: string): Promise<Mark[]> {
	const row = await findAssignment(db, rater, code);
	return db
		.select(columns)
		.from(marks)
		.where(eq(marks.assignmentId, row.assignmentId))
		.orderBy(sql`${marks.start} asc nulls last`, asc(marks.createdAt), asc(marks.clientId));
}

function requireId(id: unknown): string {
	if (!isMarkId(id)) throw new ValidationError([{ field: 'id', message: 'must be a UUID' }]);
	return id.toLowerCase();
}

/**
 * Creates the mark `id` (chosen by the rater's browser) or, with `mustExist` false, changes it
 * when it exists: a create sent again after a lost response finds the mark it made. With
 * `mustExist` (an update) a mark the rater does not have is not found. Idempotent: the same
 * mark again changes nothing and is not audited.
 */
export async function saveMark(
	db: Db,
	rater: RaterActor,
	code: string,
	id: unknown,
	body: Record<string, unknown>,
	mustExist = false
): Promise<{ changed: boolean; mark: Mark }> {
	const clientId = requireId(id);
	return db.transaction(async (tx) => {
		const row = await findAssignmentToChange(tx, rater, code, 'absolute');
		const settings = markSettings(row.form);
		if (!settings)
			throw new ValidationError([
				{ field: 'marks', message: "this round's form does not ask for error marks" }
			]);
		const checked = checkMark(body, { letter: row.letter ?? '', source: row.source, settings });
		if (!checked.ok) throw new ValidationError(checked.issues);
		const input: MarkInput = checked.mark;
		const where = and(eq(marks.assignmentId, row.assignmentId), eq(marks.clientId, clientId));
		const [old] = await tx.select(columns).from(marks).where(where);
		if (!old && mustExist) throw new NotFoundError('Mark not found');
		const mark: Mark = { id: clientId, ...input };
		if (old && sameMark(old, input)) return { changed: false, mark };
		if (old)
			await tx
				.update(marks)
				.set({ ...input, updatedAt: new Date() })
				.where(where);
		else {
			const [{ n }] = (await tx
				.select({ n: count() })
				.from(marks)
				.where(eq(marks.assignmentId, row.assignmentId))) as [{ n: number }];
			if (n >= MAX_MARKS_PER_ITEM)
				throw new ValidationError([
					{ field: 'id', message: `at most ${MAX_MARKS_PER_ITEM} marks on one letter` }
				]);
			await tx.insert(marks).values({ assignmentId: row.assignmentId, clientId, ...input });
		}
		await audit.record(tx, rater, {
			action: old ? 'mark.change' : 'mark.create',
			entity: 'assignment',
			entityId: row.assignmentId,
			studyId: rater.studyId,
			before: old ?? null,
			after: mark
		});
		return { changed: true, mark };
	});
}

/** Deletes one of the rater's marks. Idempotent: deleting a mark that is gone changes nothing. */
export async function deleteMark(
	db: Db,
	rater: RaterActor,
	code: string,
	id: unknown
): Promise<{ changed: boolean }> {
	const clientId = requireId(id);
	return db.transaction(async (tx) => {
		const row = await findAssignmentToChange(tx, rater, code, 'absolute');
		const [old] = await tx
			.delete(marks)
			.where(and(eq(marks.assignmentId, row.assignmentId), eq(marks.clientId, clientId)))
			.returning(columns);
		if (!old) return { changed: false };
		await audit.record(tx, rater, {
			action: 'mark.delete',
			entity: 'assignment',
			entityId: row.assignmentId,
			studyId: rater.studyId,
			before: old,
			after: null
		});
		return { changed: true };
	});
}
