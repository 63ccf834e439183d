// Over 300 lines: other branches add to it now (issue 14); split it after they merge.
/**
 * Exports of a round, streamed so memory stays flat however many ratings there are: long CSV
 * (one row per rating) and wide CSV (one row per item × rater) written by the database's COPY
 * (export-copy.ts), JSON in pages (keyset pagination), and a codebook. The checkpoint column is
 * filled only once the round is unblinded.
 */
import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import { alias, type PgSelect } from 'drizzle-orm/pg-core';
import { summarizeByGroup, type CellSummary } from '../analysis/descriptive';
import { toCsv, type CsvValue } from '../domain/csv';
import type { PairwiseChoice } from '../domain/enums';
import type { RatingForm } from '../domain/rating-form';
import { SPREADSHEET_SAFE_RULE, spreadsheetSafeChunks } from '../domain/spreadsheet-safe';
import { ConflictError } from '../errors';
import { designOf } from './assign';
import { canExport, canReadAnalysis, requireThat } from './auth/access';
import type { Actor } from './auth/actors';
import type { Db } from './db';
import { itemCaseCheckpoint } from './db/joins';
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
} from './db/schema';
import { csvLines } from './export-copy';
import * as roundsService from './rounds';

const PAGE = 2000;
/** Rows per COPY statement on PGlite (PostgreSQL streams one statement). */
const COPY_PAGE = 20000;

/** The columns that identify a rated item; long and wide exports both start with them. */
const ITEM_COLUMNS = [
	'study',
	'round',
	'rater',
	'case_id',
	'item_code',
	'repeat_of',
	'checkpoint',
	'position'
] as const;

/** Pairwise rounds: an item is two letters, so two checkpoints and no repeats. */
const PAIR_COLUMNS = [
	'study',
	'round',
	'rater',
	'case_id',
	'item_code',
	'left_checkpoint',
	'right_checkpoint',
	'position'
] as const;

const ANSWER_COLUMNS = [
	'comment',
	'item_comment',
	'seconds_on_item',
	'rated_at',
	'updated_at'
] as const;

export const LONG_COLUMNS = [...ITEM_COLUMNS, 'dimension', 'score', ...ANSWER_COLUMNS] as const;

export const PAIRWISE_LONG_COLUMNS = [
	...PAIR_COLUMNS,
	'dimension',
	'choice',
	'preferred_checkpoint',
	...ANSWER_COLUMNS
] as const;

/** What a rater's answer carries besides its item and value: comments, time, timestamps. */
type AnswerFields = {
	comment: string | null;
	item_comment: string | null;
	seconds_on_item: number | null;
	rated_at: Date;
	updated_at: Date;
};

/**
 * One rating as the long export, the analysis and the power planner read it (one typed row, so
 * no reader converts values). `checkpoint` is null until the round is unblinded.
 */
export type LongRow = AnswerFields & {
	study: string;
	round: string;
	rater: string;
	case_id: string;
	item_code: string;
	repeat_of: string | null;
	checkpoint: string | null;
	position: number;
	dimension: string;
	score: number;
};

/** One choice of a pairwise round; the checkpoints are null until the round is unblinded. */
export type PairwiseRow = AnswerFields & {
	study: string;
	round: string;
	rater: string;
	case_id: string;
	item_code: string;
	left_checkpoint: string | null;
	right_checkpoint: string | null;
	position: number;
	dimension: string;
	choice: PairwiseChoice;
	preferred_checkpoint: string | null;
};

// The column lists and the row types must name the same fields, in both directions.
// (Type aliases, not interfaces: the CSV writer reads them as records of cells.)
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const longColumnsMatch: SameKeys<(typeof LONG_COLUMNS)[number], keyof LongRow> = true;
const pairwiseColumnsMatch: SameKeys<(typeof PAIRWISE_LONG_COLUMNS)[number], keyof PairwiseRow> =
	true;
void longColumnsMatch;
void pairwiseColumnsMatch;
export type ExportFormat = 'long' | 'wide' | 'json' | 'codebook' | SpreadsheetSafeFormat;
/** The long and wide CSV made safe to open in a spreadsheet (spreadsheet-safe.ts). */
type SpreadsheetSafeFormat = 'long-excel' | 'wide-excel';
const EXACT_OF: Record<SpreadsheetSafeFormat, ExportFormat> = {
	'long-excel': 'long',
	'wide-excel': 'wide'
};

type Exportable = Awaited<ReturnType<typeof exportable>>;

async function exportable(db: Db, actor: Actor, roundId: string) {
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

/**
 * The ratings of one rater's assignments with positions in (from, to], in export order. The
 * range walks the unique index on (round, rater, position); every join is by key, so a page
 * costs the same however large the round is.
 */
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

/** An assignment's rater and item, before the item's letter is joined. */
function assignedItems<T extends PgSelect>(query: T) {
	return query
		.innerJoin(raters, eq(raters.id, assignments.raterId))
		.innerJoin(items, eq(items.id, assignments.itemId));
}

function fetchPage(db: Db, roundId: string, raterId: string, from: number, to: number) {
	const query = db
		.select({
			rater: raters.pseudonym,
			caseId: cases.externalId,
			code: items.code,
			repeatOf: firstShowings.code,
			checkpoint: checkpoints.name,
			position: assignments.position,
			seconds: assignments.secondsOnItem,
			dimension: ratings.dimension,
			score: ratings.score,
			comment: comments.body,
			itemComment: overall.body,
			createdAt: ratings.createdAt,
			updatedAt: ratings.updatedAt
		})
		.from(assignments)
		.innerJoin(ratings, eq(ratings.assignmentId, assignments.id))
		.$dynamic();
	return itemCaseCheckpoint(assignedItems(query))
		.leftJoin(firstShowings, eq(firstShowings.id, items.repeatOfItemId))
		.leftJoin(
			comments,
			and(
				eq(comments.assignmentId, ratings.assignmentId),
				eq(comments.dimension, ratings.dimension)
			)
		)
		.leftJoin(overall, and(eq(overall.assignmentId, assignments.id), eq(overall.dimension, '')))
		.where(inRange(roundId, raterId, from, to))
		.orderBy(asc(assignments.position), asc(ratings.dimension));
}

/** As fetchPage, for the choices of a pairwise round. */
function fetchPreferencePage(db: Db, roundId: string, raterId: string, from: number, to: number) {
	const query = db
		.select({
			rater: raters.pseudonym,
			caseId: cases.externalId,
			code: items.code,
			left: checkpoints.name,
			right: rightCheckpoints.name,
			position: assignments.position,
			seconds: assignments.secondsOnItem,
			dimension: preferences.dimension,
			choice: preferences.choice,
			comment: comments.body,
			itemComment: overall.body,
			createdAt: preferences.createdAt,
			updatedAt: preferences.updatedAt
		})
		.from(assignments)
		.innerJoin(preferences, eq(preferences.assignmentId, assignments.id))
		.$dynamic();
	return itemCaseCheckpoint(assignedItems(query))
		.innerJoin(rightOutputs, eq(rightOutputs.id, items.rightOutputId))
		.innerJoin(rightCheckpoints, eq(rightCheckpoints.id, rightOutputs.checkpointId))
		.leftJoin(
			comments,
			and(
				eq(comments.assignmentId, preferences.assignmentId),
				eq(comments.dimension, preferences.dimension)
			)
		)
		.leftJoin(overall, and(eq(overall.assignmentId, assignments.id), eq(overall.dimension, '')))
		.where(inRange(roundId, raterId, from, to))
		.orderBy(asc(assignments.position), asc(preferences.dimension));
}

/**
 * Every rating of a round, ordered by rater pseudonym, position and dimension, fetched page by
 * page (about `pageSize` ratings each): memory stays flat however many ratings there are.
 */
async function* ratingPages(
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
async function* preferencePages(
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

async function collectRows(db: Db, target: Exportable): Promise<LongRow[]> {
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

function wideColumns(form: RatingForm, pairwise: boolean): string[] {
	const keys = form.dimensions.map((d) => d.key);
	return [
		...(pairwise ? PAIR_COLUMNS : ITEM_COLUMNS),
		'seconds_on_item',
		...keys,
		...keys.map((k) => `${k}_comment`),
		'item_comment'
	];
}

/** The export as a stream of text chunks. */
export async function exportStream(
	db: Db,
	actor: Actor,
	roundId: string,
	format: ExportFormat,
	/** Rows per database round trip: pages of the JSON export, COPY statements on PGlite. */
	pageSize?: number
): Promise<{ filename: string; contentType: string; chunks: AsyncIterable<string> }> {
	if (format === 'long-excel' || format === 'wide-excel') {
		// The exact CSV, rewritten on its way out: the data path stays the same for both.
		const exact = await exportStream(db, actor, roundId, EXACT_OF[format], pageSize);
		return {
			...exact,
			filename: exact.filename.replace(/\.csv$/, '-excel.csv'),
			chunks: spreadsheetSafeChunks(exact.chunks)
		};
	}
	const target = await exportable(db, actor, roundId);
	const { round, slug, unblinded } = target;
	const base = `${slug}-${round.name.replace(/[^A-Za-z0-9._-]+/g, '-')}`;
	const pairwise = round.kind === 'pairwise';
	// One row type for the code below: the columns of pairwise rows differ, not their handling.
	const pages = (): AsyncGenerator<Record<string, CsvValue>[]> =>
		pairwise ? preferencePages(db, target, pageSize) : ratingPages(db, target, pageSize);
	const longColumns: readonly string[] = pairwise ? PAIRWISE_LONG_COLUMNS : LONG_COLUMNS;
	const csv = 'text/csv; charset=utf-8';
	if (format === 'codebook')
		return {
			filename: `${base}-codebook.csv`,
			contentType: csv,
			chunks: once(codebook(round.form, round.kind))
		};
	if (format === 'long' || format === 'wide') {
		const columns = format === 'long' ? [...longColumns] : wideColumns(round.form, pairwise);
		const copy = {
			roundId: round.id,
			roundName: round.name,
			slug,
			unblinded,
			pairwise,
			form: round.form
		};
		return {
			filename: `${base}-${format}.csv`,
			contentType: csv,
			chunks: (async function* () {
				yield toCsv(columns, []);
				yield* csvLines(db, copy, format, pageSize ?? COPY_PAGE);
			})()
		};
	}
	return {
		filename: `${base}.json`,
		contentType: 'application/json; charset=utf-8',
		chunks: (async function* () {
			yield `{"study":${JSON.stringify(slug)},"round":${JSON.stringify(round.name)},"kind":${JSON.stringify(round.kind)},"unblinded":${unblinded},"form":${JSON.stringify(round.form)},"${pairwise ? 'choices' : 'ratings'}":[`;
			let first = true;
			for await (const page of pages())
				for (const r of page) {
					yield `${first ? '' : ','}\n${JSON.stringify(r)}`;
					first = false;
				}
			yield '\n]}\n';
		})()
	};
}

async function* once(text: string) {
	yield text;
}

/** Every column of the long and wide exports with its type and meaning, and the scale anchors. */
export function codebook(form: RatingForm, kind: 'absolute' | 'pairwise' = 'absolute'): string {
	const pairwise = kind === 'pairwise';
	const answer = pairwise ? 'choice' : 'score';
	const rows: Record<string, CsvValue>[] = [
		['study', 'string', 'Study slug (the folder name under studies/)'],
		['round', 'string', 'Rating round name'],
		['rater', 'string', 'Rater pseudonym (R01, R02, …); names are not exported'],
		['case_id', 'string', 'Case id from the study file'],
		...(pairwise
			? [
					[
						'item_code',
						'string',
						'Opaque code of the comparison shown to the rater (two letters of one case)'
					],
					[
						'left_checkpoint',
						'string',
						'Checkpoint of the letter shown on the left; empty until the round is unblinded'
					],
					[
						'right_checkpoint',
						'string',
						'Checkpoint of the letter shown on the right; empty until the round is unblinded'
					]
				]
			: [
					[
						'item_code',
						'string',
						'Opaque code of the letter shown to the rater (one output of one checkpoint)'
					],
					[
						'repeat_of',
						'string',
						'For a repeated showing (intra-rater agreement): item_code of the first showing of the same letter to the same rater; empty otherwise'
					],
					[
						'checkpoint',
						'string',
						'Model checkpoint that wrote the letter; empty until the round is unblinded'
					]
				]),
		['position', 'integer', "1-based position of the item in this rater's order"],
		['dimension', 'string', 'Rating dimension key (long format)'],
		pairwise
			? ['choice', 'left/tie/right', 'Which letter the rater found better (long format)']
			: ['score', 'integer 1-4', 'Score on the dimension; see the anchors below (long format)'],
		...(pairwise
			? [
					[
						'preferred_checkpoint',
						'string',
						'Checkpoint of the preferred letter, or "tie"; empty until unblinded (long format)'
					]
				]
			: []),
		['comment', 'string', "The rater's comment on this dimension; empty if none"],
		[
			'item_comment',
			'string',
			"The rater's overall comment on the item (the same on each of its rows); empty if none"
		],
		['seconds_on_item', 'integer', 'Seconds the item was open and visible, summed over visits'],
		['rated_at', 'ISO 8601 UTC', `When the ${answer} was first given (long format)`],
		['updated_at', 'ISO 8601 UTC', `When the ${answer} was last changed (long format)`],
		...form.dimensions.flatMap((d) => [
			[
				d.key,
				pairwise ? 'left/tie/right' : 'integer 1-4',
				`${d.label} (wide format). ${d.question}`.trim()
			],
			[`${d.key}_comment`, 'string', `Comment on ${d.label} (wide format)`]
		])
	].map(([variable, type, description]) => ({ variable, type, description }));
	const anchors = pairwise
		? []
		: form.dimensions.flatMap((d) =>
				d.anchors.map((a, i) => ({ variable: d.key, type: `value ${i + 1}`, description: a }))
			);
	const notes = [
		{ variable: '(text cells)', type: 'note', description: EXACT_RULE },
		{ variable: '(text cells)', type: 'note', description: SPREADSHEET_SAFE_RULE }
	];
	return toCsv(['variable', 'type', 'description'], [...rows, ...anchors, ...notes]);
}

/** Why the exact exports may hold cells a spreadsheet would run (see spreadsheet-safe.ts). */
const EXACT_RULE =
	"In long.csv and wide.csv every text cell (comments, codes, names) is exactly what was entered, so a cell may begin with =, +, -, @, a tab or a carriage return: the files are data for R, pandas or SPSS, and a statistician must get the rater's text unchanged. A spreadsheet may run such a cell as a formula; open long-excel.csv or wide-excel.csv in Excel or LibreOffice instead.";

export async function longCsv(db: Db, actor: Actor, roundId: string): Promise<string> {
	const { chunks } = await exportStream(db, actor, roundId, 'long');
	let text = '';
	for await (const c of chunks) text += c;
	return text;
}

export interface MeanTable {
	checkpoints: string[];
	dimensions: { key: string; label: string }[];
	cells: CellSummary[];
}

/** Mean score (and SD, n) per checkpoint and dimension: only after unblinding. */
export async function meanTable(db: Db, actor: Actor, roundId: string): Promise<MeanTable> {
	const target = await exportable(db, actor, roundId);
	const { round } = target;
	if (round.status !== 'unblinded')
		throw new ConflictError(
			`Round "${round.name}" is ${round.status}: unblind it before analysing by checkpoint`
		);
	const rows = await collectRows(db, target);
	const design = designOf(round);
	const names = [
		...new Set([...(design.checkpoints ?? []), ...rows.map((r) => String(r.checkpoint))])
	].sort();
	const dimensions = round.form.dimensions.map((d) => ({ key: d.key, label: d.label }));
	const cells = summarizeByGroup(
		rows.map((r) => ({
			group: String(r.checkpoint),
			dimension: String(r.dimension),
			score: Number(r.score)
		})),
		names,
		dimensions.map((d) => d.key)
	);
	return { checkpoints: names, dimensions, cells };
}
