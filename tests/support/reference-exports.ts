/**
 * The oracle for the COPY-based CSV exports: the row-by-row writer they replaced (rows read page
 * by page through drizzle, written by csv.ts), kept here unchanged so tests can compare bytes.
 */
import { toCsv, type CsvValue } from '../../src/lib/domain/csv';
import type { AuditCursor, AuditFilter } from '../../src/lib/domain/audit-query';
import * as auditLog from '../../src/lib/server/audit/query';
import { CLI, type Actor } from '../../src/lib/server/auth/actors';
import type { Db } from '../../src/lib/server/db';
import {
	LONG_COLUMNS,
	PAIRWISE_LONG_COLUMNS,
	longRows,
	pairwiseRows
} from '../../src/lib/server/exports';
import * as roundsService from '../../src/lib/server/rounds';

const ITEM = [
	'study',
	'round',
	'rater',
	'case_id',
	'item_code',
	'repeat_of',
	'checkpoint',
	'position'
];
const PAIR = [
	'study',
	'round',
	'rater',
	'case_id',
	'item_code',
	'left_checkpoint',
	'right_checkpoint',
	'position'
];

async function rowsOf(db: Db, roundId: string) {
	const round = await roundsService.get(db, roundId);
	const pairwise = round.kind === 'pairwise';
	const rows: Record<string, CsvValue>[] = pairwise
		? await pairwiseRows(db, CLI, roundId)
		: await longRows(db, CLI, roundId);
	return { round, pairwise, rows };
}

export async function referenceLongCsv(db: Db, roundId: string): Promise<string> {
	const { pairwise, rows } = await rowsOf(db, roundId);
	return toCsv((pairwise ? PAIRWISE_LONG_COLUMNS : LONG_COLUMNS) as unknown as string[], rows);
}

export async function referenceWideCsv(db: Db, roundId: string): Promise<string> {
	const { round, pairwise, rows } = await rowsOf(db, roundId);
	const keys = round.form.dimensions.map((d) => d.key);
	const columns = [
		...(pairwise ? PAIR : ITEM),
		'seconds_on_item',
		...keys,
		...keys.map((k) => `${k}_comment`),
		'item_comment'
	];
	const value = pairwise ? 'choice' : 'score';
	const out: Record<string, CsvValue>[] = [];
	let current: Record<string, CsvValue> | null = null;
	for (const r of rows) {
		if (!current || current.item_code !== r.item_code || current.rater !== r.rater) {
			if (current) out.push(current);
			const {
				dimension: _d,
				score: _s,
				choice: _h,
				preferred_checkpoint: _p,
				comment: _c,
				rated_at: _r,
				updated_at: _u,
				...item
			} = r;
			current = { ...item };
		}
		current[r.dimension as string] = r[value] ?? null;
		current[`${r.dimension}_comment`] = r.comment;
	}
	if (current) out.push(current);
	return toCsv(columns, out);
}

/** The audit CSV as the paged writer wrote it: every entry through `list`, newest first. */
export async function referenceAuditCsv(
	db: Db,
	actor: Actor,
	filter: AuditFilter
): Promise<string> {
	const rows: auditLog.AuditRow[] = [];
	let cursor: AuditCursor = null;
	for (;;) {
		const page = await auditLog.list(db, actor, filter, cursor, 7);
		rows.push(...page.rows);
		if (!page.older) break;
		cursor = page.older;
	}
	const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
	return toCsv(
		auditLog.CSV_COLUMNS,
		rows.map((r) => ({
			id: r.id,
			at: r.at,
			actor_type: r.actorType,
			actor: r.actor,
			action: r.action,
			entity: r.entity,
			entity_id: r.entityId,
			study: r.study,
			before: json(r.before),
			after: json(r.after)
		}))
	);
}
