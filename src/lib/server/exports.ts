/**
 * Exports of a round, streamed so memory stays flat however many ratings there are: long CSV
 * (one row per rating) and wide CSV (one row per item × rater) written by the database's COPY
 * (export-copy.ts), JSON in pages (keyset pagination), and a codebook. The checkpoint column is
 * filled only once the round is unblinded. The rows and who may read them are in exports/rows.ts,
 * their columns and types in exports/columns.ts, the codebook in exports/codebook.ts.
 */
import { summarizeByGroup, type CellSummary } from '../analysis/descriptive';
import { toCsv, type CsvValue } from '../domain/csv';
import type { RatingForm } from '../domain/rating-form';
import { spreadsheetSafeChunks } from '../domain/spreadsheet-safe';
import { ConflictError } from '../errors';
import { designOf } from './assign';
import type { Actor } from './auth/actors';
import type { Db } from './db';
import { csvLines } from './export-copy';
import { codebook } from './exports/codebook';
import { ITEM_COLUMNS, LONG_COLUMNS, PAIR_COLUMNS, PAIRWISE_LONG_COLUMNS } from './exports/columns';
import { collectRows, exportable, preferencePages, ratingPages } from './exports/rows';

export { codebook } from './exports/codebook';
export {
	LONG_COLUMNS,
	PAIRWISE_LONG_COLUMNS,
	type LongRow,
	type PairwiseRow
} from './exports/columns';
export { longRows, pairwiseRows } from './exports/rows';

/** Rows per COPY statement on PGlite (PostgreSQL streams one statement). */
const COPY_PAGE = 20000;

export type ExportFormat = 'long' | 'wide' | 'json' | 'codebook' | SpreadsheetSafeFormat;
/** The long and wide CSV made safe to open in a spreadsheet (spreadsheet-safe.ts). */
type SpreadsheetSafeFormat = 'long-excel' | 'wide-excel';
const EXACT_OF: Record<SpreadsheetSafeFormat, ExportFormat> = {
	'long-excel': 'long',
	'wide-excel': 'wide'
};

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
		...new Set([...(design.checkpoints ?? []), ...rows.map((r) => r.checkpoint ?? '')])
	].sort();
	const dimensions = round.form.dimensions.map((d) => ({ key: d.key, label: d.label }));
	const cells = summarizeByGroup(
		rows.map((r) => ({ group: r.checkpoint ?? '', dimension: r.dimension, score: r.score })),
		names,
		dimensions.map((d) => d.key)
	);
	return { checkpoints: names, dimensions, cells };
}
