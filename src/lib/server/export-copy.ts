/**
 * The long and wide CSV exports at database speed: PostgreSQL writes the CSV itself with
 * `COPY (query) TO STDOUT WITH (FORMAT csv)`, and `crlfRecords` turns its LF record ends into
 * CRLF. The bytes are those of the row-by-row writer (`csv.ts`) they replace, which the
 * integration tests keep as the reference:
 *
 * - text goes through `nullif(x, '')`, since COPY quotes an empty string where csv.ts writes an
 *   empty field; COPY quotes the same fields csv.ts does (a comma, quote, CR or LF) the same way;
 * - timestamps are written as `Date.toISOString()` writes them (UTC, milliseconds truncated, as
 *   the drivers' Date parsing truncates);
 * - rows come in the same order: rater pseudonym, position, dimension (the same ORDER BY, so the
 *   same collation).
 *
 * On PostgreSQL the whole export is one statement: one snapshot, streamed with backpressure. On
 * PGlite, whose COPY fills a Blob, it is one statement per span of each rater's positions (about
 * `pageSize` rows), so memory stays flat there too, all in one transaction (one snapshot,
 * `snapshotOut`): a save committed during an export is in all of it or in none.
 */
import { asc, eq, sql } from 'drizzle-orm';
import { crlfRecords } from '../domain/csv-records';
import type { RatingForm } from '../domain/rating-form';
import type { Db } from './db';
import { copyOut, rawClient, snapshotOut, sqlLiteral, uuidLiteral } from './db/copy';
import { assignments, raters } from './db/schema';

export interface CopyTarget {
	roundId: string;
	roundName: string;
	slug: string;
	unblinded: boolean;
	pairwise: boolean;
	form: RatingForm;
}

const text = (expr: string) => `nullif(${expr}, '')`;
const iso = (expr: string) =>
	`to_char(${expr} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The FROM clause shared by long and wide: one row per answer (rating or choice). */
function from(t: CopyTarget): string {
	const answers = t.pairwise ? 'preferences' : 'ratings';
	return `from assignments a
		join ${answers} r on r.assignment_id = a.id
		join raters ra on ra.id = a.rater_id
		join items i on i.id = a.item_id
		join outputs o on o.id = i.output_id
		join cases c on c.id = o.case_id
		join checkpoints k on k.id = o.checkpoint_id
		${
			t.pairwise
				? `join outputs ro on ro.id = i.right_output_id
		join checkpoints rk on rk.id = ro.checkpoint_id`
				: 'left join items fs on fs.id = i.repeat_of_item_id'
		}
		left join comments cm on cm.assignment_id = r.assignment_id and cm.dimension = r.dimension
		left join comments ov on ov.assignment_id = a.id and ov.dimension = ''`;
}

/** The item columns (study … position) of the long and wide exports. */
function itemColumns(t: CopyTarget): string[] {
	const blind = (expr: string) => (t.unblinded ? text(expr) : 'null::text');
	return [
		text(sqlLiteral(t.slug)),
		text(sqlLiteral(t.roundName)),
		text('ra.pseudonym'),
		text('c.external_id'),
		text('i.code'),
		...(t.pairwise ? [blind('k.name'), blind('rk.name')] : [text('fs.code'), blind('k.name')]),
		'a.position + 1'
	];
}

type Range = { raterId: string; from: number; to: number } | null;

function where(t: CopyTarget, range: Range): string {
	const round = `a.round_id = ${uuidLiteral(t.roundId)}`;
	if (!range) return `where ${round}`;
	return `where ${round} and a.rater_id = ${uuidLiteral(range.raterId)} and a.position > ${range.from} and a.position <= ${range.to}`;
}

function longQuery(t: CopyTarget, range: Range): string {
	const preferred = !t.unblinded
		? 'null::text'
		: text(`case r.choice when 'left' then k.name when 'right' then rk.name else 'tie' end`);
	const columns = [
		...itemColumns(t),
		text('r.dimension'),
		...(t.pairwise ? [text('r.choice'), preferred] : ['r.score']),
		text('cm.body'),
		text('ov.body'),
		'a.seconds_on_item',
		iso('r.created_at'),
		iso('r.updated_at')
	];
	return `select ${columns.join(', ')} ${from(t)} ${where(t, range)}
		order by ra.pseudonym, a.position, r.dimension`;
}

function wideQuery(t: CopyTarget, range: Range): string {
	const value = t.pairwise ? 'r.choice' : 'r.score';
	const keys = t.form.dimensions.map((d) => sqlLiteral(d.key));
	const columns = [
		...itemColumns(t),
		'a.seconds_on_item',
		...keys.map((k) => `max(${value}) filter (where r.dimension = ${k})`),
		...keys.map((k) => text(`max(cm.body) filter (where r.dimension = ${k})`)),
		text('ov.body')
	];
	const group = t.pairwise
		? 'a.id, ra.pseudonym, c.external_id, i.code, k.name, rk.name, ov.body'
		: 'a.id, ra.pseudonym, c.external_id, i.code, fs.code, k.name, ov.body';
	return `select ${columns.join(', ')} ${from(t)} ${where(t, range)}
		group by ${group} order by ra.pseudonym, a.position`;
}

/** Each rater's positions in spans of about `pageSize` answers, raters in pseudonym order. */
async function* ranges(db: Db, t: CopyTarget, pageSize: number): AsyncGenerator<Range> {
	const span = Math.max(1, Math.floor(pageSize / Math.max(1, t.form.dimensions.length)));
	const people = await db
		.select({
			id: raters.id,
			last: sql<number>`max(${assignments.position})`.mapWith(Number)
		})
		.from(assignments)
		.innerJoin(raters, eq(raters.id, assignments.raterId))
		.where(eq(assignments.roundId, t.roundId))
		.groupBy(raters.id, raters.pseudonym)
		.orderBy(asc(raters.pseudonym));
	for (const person of people)
		for (let from = -1; from < person.last; from += span)
			yield { raterId: person.id, from, to: from + span };
}

async function* queries(
	db: Db,
	t: CopyTarget,
	build: (t: CopyTarget, range: Range) => string,
	pageSize: number
): AsyncGenerator<string> {
	if (rawClient(db).kind === 'postgres') yield build(t, null);
	else for await (const range of ranges(db, t, pageSize)) yield build(t, range);
}

/** The whole export's query (what one COPY on PostgreSQL runs); benchmarks time it bare. */
export function exportQuery(t: CopyTarget, format: 'long' | 'wide'): string {
	return (format === 'long' ? longQuery : wideQuery)(t, null);
}

/** The data lines (no header) of the long or wide CSV, as text chunks. */
export async function* csvLines(
	db: Db,
	t: CopyTarget,
	format: 'long' | 'wide',
	pageSize: number
): AsyncGenerator<string> {
	const build = format === 'long' ? longQuery : wideQuery;
	const decoder = new TextDecoder('utf-8');
	const crlf = crlfRecords();
	const bytes = snapshotOut(db, (tx) => copyOut(tx, queries(tx, t, build, pageSize), 'format csv'));
	for await (const chunk of bytes) {
		const text = crlf(decoder.decode(chunk, { stream: true }));
		if (text) yield text;
	}
	const rest = crlf(decoder.decode());
	if (rest) yield rest;
}
