/**
 * The rater's assignment behind an item code, as the item view and the notes read it: the
 * round's state and form, the case source and the letter(s). Another rater's code and a code that
 * does not exist look the same (not found).
 */
import { and, eq } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { RatingForm } from '../../domain/rating-form';
import { ConflictError, NotFoundError, ValidationError } from '../../errors';
import type { RaterActor } from '../auth/actors';
import type { Db } from '../db';
import { itemCase } from '../db/joins';
import { assignments, cases, items, outputs, rounds } from '../db/schema';

const rightOutputs = alias(outputs, 'right_outputs');

export async function findAssignment(db: Db, rater: RaterActor, code: string) {
	const query = db
		.select({
			assignmentId: assignments.id,
			roundId: rounds.id,
			roundStatus: rounds.status,
			kind: rounds.kind,
			form: rounds.form,
			source: cases.source,
			letter: outputs.text,
			right: rightOutputs.text
		})
		.from(items)
		.$dynamic();
	const [row] = await itemCase(query)
		.innerJoin(assignments, eq(assignments.itemId, items.id))
		.innerJoin(rounds, eq(rounds.id, items.roundId))
		.leftJoin(rightOutputs, eq(rightOutputs.id, items.rightOutputId))
		.where(and(eq(items.code, code), eq(assignments.raterId, rater.id)));
	// Another rater's code and a code that does not exist look the same.
	if (!row || row.roundStatus === 'draft') throw new NotFoundError('Item not found');
	return row;
}

/**
 * The rater's assignment for `code`, for a change: the round must be open (and of `kind`, for
 * changes that only one kind of round has).
 */
export async function findAssignmentToChange(
	db: Db,
	rater: RaterActor,
	code: string,
	kind?: 'absolute' | 'pairwise'
) {
	const row = await findAssignment(db, rater, code);
	if (row.roundStatus !== 'open')
		throw new ConflictError('This round is locked: its scores, comments and corrections are final');
	if (kind && row.kind !== kind)
		throw new ValidationError([
			{
				field: 'kind',
				message:
					kind === 'absolute'
						? 'this item compares two letters: send a choice, not a score or a correction'
						: 'this item has one letter: send a score, not a choice'
			}
		]);
	return row;
}

export function requireDimension(form: RatingForm, dimension: string): void {
	if (!form.dimensions.some((d) => d.key === dimension))
		throw new ValidationError([
			{ field: 'dimension', message: `unknown dimension "${dimension}"` }
		]);
}
