/**
 * Exports of issue 14: the per-case metric CSV (long: case_id, checkpoint, metric, value, label;
 * analysis/per-case-metrics.ts) of a round's letters or of every letter of a study, and a round's
 * acceptable-letter table as CSV. A round's files name checkpoints, so they exist only once the
 * round is unblinded; a study's folder names them anyway.
 */
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import {
	METRIC_CSV_COLUMNS,
	metricCsvRows,
	perCaseMetrics,
	type MetricCsvRow
} from '../analysis/per-case-metrics';
import type { CaseRow, OutputRow } from '../analysis/study';
import { extractionRulesOf } from '../analysis/label-extraction';
import { toCsv } from '../domain/csv';
import {
	caseTruth,
	isMultiTask,
	storedTaskKeys,
	taskOfStudy,
	type TaskMetric
} from '../domain/tasks';
import { ConflictError } from '../errors';
import { canReadAnalysis, requireThat } from './auth/access';
import type { Actor } from './auth/actors';
import type { Db } from './db';
import { cases, checkpoints, items, outputs, studies } from './db/schema';
import { roundAnalysis } from './round-analysis';
import * as roundsService from './rounds';

const letterColumns = {
	id: outputs.id,
	caseId: cases.externalId,
	checkpoint: checkpoints.name,
	task: outputs.task,
	text: outputs.text
};

/**
 * The long metric CSV, task by task (each scored against its own reference and labels); a study
 * with tasks of its own gets a leading `task` column, a study without keeps the columns it had.
 */
function csvOf(
	letters: { caseId: string; checkpoint: string; task: string; text: string | null }[],
	caseRows: (typeof cases.$inferSelect)[],
	study: typeof studies.$inferSelect
): string {
	const multi = isMultiTask(study.tasks);
	const out: (MetricCsvRow & { task?: string })[] = [];
	for (const key of storedTaskKeys(study.tasks)) {
		const task = taskOfStudy(study, key);
		const rows: OutputRow[] = letters
			.filter((l) => l.task === key)
			.map((l) => ({ caseId: l.caseId, checkpoint: l.checkpoint, text: l.text ?? '' }));
		if (!rows.length) continue;
		const caseData: CaseRow[] = caseRows.map((c) => caseTruth(task, c));
		const names = [...new Set(rows.map((r) => r.checkpoint))].sort();
		const metrics = perCaseMetrics(rows, caseData, names, {
			rouge: study.analysis?.rouge,
			// Each task's own rules; a study without tasks keeps the file it had (default rules).
			...(multi ? { extraction: extractionRulesOf(task.extraction ?? undefined) } : {})
		});
		for (const r of metricCsvRows(metrics)) {
			// Label rows only for the labels this task is scored on (the implicit task has all).
			const label = /^(modality|icd10)/.exec(String(r.metric))?.[1] as TaskMetric | undefined;
			if (label && !task.metrics.includes(label)) continue;
			out.push(multi ? { task: key, ...r } : r);
		}
	}
	return multi
		? toCsv(['task', ...METRIC_CSV_COLUMNS], out)
		: toCsv(METRIC_CSV_COLUMNS, out as MetricCsvRow[]);
}

async function casesOf(db: Db, studyId: string, externalIds: string[]) {
	return externalIds.length
		? db
				.select()
				.from(cases)
				.where(and(eq(cases.studyId, studyId), inArray(cases.externalId, externalIds)))
		: [];
}

/** The per-case metrics of every letter shown in an unblinded round (both letters of a pair). */
export async function roundMetricsCsv(db: Db, actor: Actor, roundId: string): Promise<string> {
	requireThat(canReadAnalysis(actor), 'Raters cannot export');
	const round = await roundsService.get(db, roundId);
	if (round.status !== 'unblinded')
		throw new ConflictError(
			`Round "${round.name}" is ${round.status}: the metrics name checkpoints, so unblind it first`
		);
	const shown = await db
		.select({ left: items.outputId, right: items.rightOutputId })
		.from(items)
		.where(eq(items.roundId, roundId));
	const ids = [...new Set(shown.flatMap((s) => (s.right ? [s.left, s.right] : [s.left])))];
	const letters = ids.length
		? await db
				.select(letterColumns)
				.from(outputs)
				.innerJoin(cases, eq(cases.id, outputs.caseId))
				.innerJoin(checkpoints, eq(checkpoints.id, outputs.checkpointId))
				.where(inArray(outputs.id, ids))
		: [];
	const [study] = await db.select().from(studies).where(eq(studies.id, round.studyId));
	const caseRows = await casesOf(db, round.studyId, [...new Set(letters.map((l) => l.caseId))]);
	return csvOf(letters, caseRows, study!);
}

/** The per-case metrics of every finished letter of a study, for its folder export. */
export async function studyMetricsCsv(db: Db, studyId: string): Promise<string> {
	const [study] = await db.select().from(studies).where(eq(studies.id, studyId));
	const letters = await db
		.select(letterColumns)
		.from(outputs)
		.innerJoin(cases, eq(cases.id, outputs.caseId))
		.innerJoin(checkpoints, eq(checkpoints.id, outputs.checkpointId))
		.where(and(eq(cases.studyId, studyId), eq(outputs.status, 'done'), isNotNull(outputs.text)));
	const caseRows = await db.select().from(cases).where(eq(cases.studyId, studyId));
	return csvOf(letters, caseRows, study!);
}

export const ACCEPTABILITY_CSV_COLUMNS = [
	'checkpoint',
	'letters',
	'acceptable',
	'share',
	'wilson_lower',
	'wilson_upper',
	'left_out',
	'ratings',
	'acceptable_ratings',
	'rating_share',
	'bootstrap_lower',
	'bootstrap_upper'
] as const;

/** The acceptable-letter table of an unblinded round; ConflictError without a rule. */
export async function roundAcceptabilityCsv(
	db: Db,
	actor: Actor,
	roundId: string
): Promise<string> {
	const { analysis } = await roundAnalysis(db, actor, roundId);
	const acc = analysis.acceptability;
	if (!acc)
		throw new ConflictError(
			'The study defines no acceptability rule (study.yaml analysis.acceptability)'
		);
	return toCsv(
		ACCEPTABILITY_CSV_COLUMNS,
		acc.rows.map((r) => ({
			checkpoint: r.checkpoint,
			letters: r.letters,
			acceptable: r.acceptable,
			share: r.share,
			wilson_lower: r.lower,
			wilson_upper: r.upper,
			left_out: r.excluded,
			ratings: r.ratings,
			acceptable_ratings: r.acceptableRatings,
			rating_share: r.ratingShare?.estimate ?? null,
			bootstrap_lower: r.ratingShare?.lower ?? null,
			bootstrap_upper: r.ratingShare?.upper ?? null
		}))
	);
}
