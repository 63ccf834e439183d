/**
 * Reading a round's ratings page by page: who may export it, and its ratings (or choices) as
 * typed long rows, in export order, with flat memory however large the round is.
 */
import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import { alias, type PgSelect } from 'drizzle-orm/pg-core';
import { ConflictError } from '../../errors';
import { canExport, canReadAnalysis, requireThat } from '../auth/access';
import type { Actor } from '../auth/actors';
import type { Db } from '../db';
import { itemCaseCheckpoint } from '../db/joins';
import {
	assignments,
	cases,
	checkpoints,
	comments,
	items,
	outputs,
	preferences,
	raters,
	ratings,
	studies
} from '../db/schema';
import * as roundsService from '../rounds';
import type { LongRow, PairwiseRow } from './columns';

const PAGE = 2000;

export type Exportable = Awaited<ReturnType<typeof exportable>>;

export async function exportable(db: Db, actor: Actor, roundId: string) {
	requireThat(canReadAnalysis(actor), 'Raters cannot export');
	const round = await roundsService.get(db, roundId);
	if (round.status === 'draft') throw new ConflictError(`Round "${round.name}" has not opened yet`);
	// Statisticians take the data once the round is unblinded, not while raters may still rate.
	requireThat(canExport(actor, round), `Round "${round.name}" is not unblinded yet`);
	const [study] = await db
		.select({ slug: studies.slug })
		.from(studies)
		.where(eq(studies.id, round.studyId));
	return { round, slug: study!.slug, unblinded: round.status === 'unblinded' };
}

/** The first showing of a repeated item (its code is the repeat's repeat_of). */
const firstShowings = alias(items, 'first_showings');
/** The rater's overall comment on the item (dimension ''), repeated on each of its rows. */
const overall = alias(comments, 'overall_comments');
const rightOutputs = alias(outputs, 'right_outputs');
const rightCheckpoints = alias(checkpoints, 'right_checkpoints');

function inRange(roundId: string, raterId: string, from: number, to: number) {
	return and(
		eq(assignments.roundId, roundId),
		eq(assignments.raterId, raterId),
		gt(assignments.position, from),
		lte(assignments.position, to)
	);
}

type Answers = typeof ratings | typeof preferences;

/** The columns of a page both kinds of answer have: who, which letter, when, and the comments. */
function answerColumns<A extends Answers>(answers: A) {
	return {
		rater: raters.pseudonym,
		caseId: cases.externalId,
		code: items.code,
		position: assignments.position,
		seconds: assignments.secondsOnItem,
		dimension: answers.dimension,
		comment: comments.body,
		itemComment: overall.body,
		createdAt: answers.createdAt,
		updatedAt: answers.updatedAt
	};
}

/** An assignment's rater, item and the item's letter: what every page joins first. */
function withItem<T extends PgSelect>(query: T) {
	return itemCaseCheckpoint(
		query
			.innerJoin(raters, eq(raters.id, assignments.raterId))
			.innerJoin(items, eq(items.id, assignments.itemId))
	);
}

/**
 * One page of a rater's answers: `query` selects from assignments joined to `answers` (ratings
 * or preferences), `withItem` and what else its kind needs; this joins the comments and picks
 * the rater's positions (from, to], in export order. The range walks the unique index on
 * (round, rater, position); every join is by key, so a page costs the same however large the
 * round is.
 */
function answerPage<T extends PgSelect>(
	query: T,
	answers: Answers,
	[roundId, raterId, from, to]: PageOf
) {
	return query
		.leftJoin(
			comments,
			and(
				eq(comments.assignmentId, answers.assignmentId),
				eq(comments.dimension, answers.dimension)
			)
		)
		.leftJoin(overall, and(eq(overall.assignmentId, assignments.id), eq(overall.dimension, '')))
		.where(inRange(roundId, raterId, from, to))
		.orderBy(asc(assignments.position), asc(answers.dimension));
}

/** Round, rater and the positions (from, to] of one page. */
type PageOf = [roundId: string, raterId: string, from: number, to: number];

function fetchPage(db: Db, ...page: PageOf) {
	const query = db
		.select({
			...answerColumns(ratings),
			repeatOf: firstShowings.code,
			checkpoint: checkpoints.name,
			score: ratings.score
		})
		.from(assignments)
		.innerJoin(ratings, eq(ratings.assignmentId, assignments.id))
		.$dynamic();
	return answerPage(
		withItem(query).leftJoin(firstShowings, eq(firstShowings.id, items.repeatOfItemId)),
		ratings,
		page
	);
}

/** As fetchPage, for the choices of a pairwise round. */
function fetchPreferencePage(db: Db, ...page: PageOf) {
	const query = db
		.select({
			...answerColumns(preferences),
			left: checkpoints.name,
			right: rightCheckpoints.name,
			choice: preferences.choice
		})
		.from(assignments)
		.innerJoin(preferences, eq(preferences.assignmentId, assignments.id))
		.$dynamic();
	return answerPage(
		withItem(query)
			.innerJoin(rightOutputs, eq(rightOutputs.id, items.rightOutputId))
			.innerJoin(rightCheckpoints, eq(rightCheckpoints.id, rightOutputs.checkpointId)),
		preferences,
		page
	);
}

/**
 * Every rating of a round, ordered by rater pseudonym, position and dimension, fetched page by
 * page (about `pageSize` ratings each): memory stays flat however many ratings there are.
 */
export async function* ratingPages(
	db: Db,
	{ round, slug, unblinded }: Exportable,
	pageSize = PAGE
): AsyncGenerator<LongRow[]> {
	for await (const page of pagesOf(db, round, pageSize, fetchPage))
		yield page.map((r): LongRow => ({
			study: slug,
			round: round.name,
			rater: r.rater,
			case_id: r.caseId,
			item_code: r.code,
			repeat_of: r.repeatOf,
			checkpoint: unblinded ? r.checkpoint : null,
			position: r.position + 1,
			dimension: r.dimension,
			score: r.score,
			comment: r.comment,
			item_comment: r.itemComment,
			seconds_on_item: r.seconds,
			rated_at: r.createdAt,
			updated_at: r.updatedAt
		}));
}

/** Every choice of a pairwise round, in the order and pages of `ratingPages`. */
export async function* preferencePages(
	db: Db,
	{ round, slug, unblinded }: Exportable,
	pageSize = PAGE
): AsyncGenerator<PairwiseRow[]> {
	for await (const page of pagesOf(db, round, pageSize, fetchPreferencePage))
		yield page.map((r): PairwiseRow => ({
			study: slug,
			round: round.name,
			rater: r.rater,
			case_id: r.caseId,
			item_code: r.code,
			left_checkpoint: unblinded ? r.left : null,
			right_checkpoint: unblinded ? r.right : null,
			position: r.position + 1,
			dimension: r.dimension,
			choice: r.choice,
			preferred_checkpoint: !unblinded
				? null
				: r.choice === 'left'
					? r.left
					: r.choice === 'right'
						? r.right
						: 'tie',
			comment: r.comment,
			item_comment: r.itemComment,
			seconds_on_item: r.seconds,
			rated_at: r.createdAt,
			updated_at: r.updatedAt
		}));
}

/** Walks each rater's positions in spans of about `pageSize` answers, rater by rater. */
async function* pagesOf<T>(
	db: Db,
	round: Exportable['round'],
	pageSize: number,
	fetch: (db: Db, roundId: string, raterId: string, from: number, to: number) => Promise<T[]>
): AsyncGenerator<T[]> {
	const roundId = round.id;
	const span = Math.max(1, Math.floor(pageSize / Math.max(1, round.form.dimensions.length)));
	const people = await db
		.select({
			id: raters.id,
			pseudonym: raters.pseudonym,
			last: sql<number>`max(${assignments.position})`.mapWith(Number)
		})
		.from(assignments)
		.innerJoin(raters, eq(raters.id, assignments.raterId))
		.where(eq(assignments.roundId, roundId))
		.groupBy(raters.id, raters.pseudonym)
		.orderBy(asc(raters.pseudonym));
	for (const person of people) {
		for (let from = -1; from < person.last; from += span) {
			const page = await fetch(db, roundId, person.id, from, from + span);
			if (page.length) yield page;
		}
	}
}

/** All long rows in memory: for tests and small rounds; exports use the streams below. */
export async function longRows(db: Db, actor: Actor, roundId: string): Promise<LongRow[]> {
	return collectRows(db, await exportable(db, actor, roundId));
}

export async function collectRows(db: Db, target: Exportable): Promise<LongRow[]> {
	const out: LongRow[] = [];
	for await (const page of ratingPages(db, target)) out.push(...page);
	return out;
}

/** Every choice of a pairwise round in memory (the pairwise analysis works on all of them). */
export async function pairwiseRows(db: Db, actor: Actor, roundId: string): Promise<PairwiseRow[]> {
	const target = await exportable(db, actor, roundId);
	const out: PairwiseRow[] = [];
	for await (const page of preferencePages(db, target)) out.push(...page);
	return out;
}
