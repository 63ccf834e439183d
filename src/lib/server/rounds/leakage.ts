/**
 * The leakage check when a round opens (issue 13, point 3): each of the round's checkpoints that
 * names training data has that file read again, as it is now, and checked against the study's
 * cases as they are now; the checkpoint's stored report (first made at import) is replaced, so
 * the confirmation that studies/checks.ts asks for, and the round page, rest on the current
 * training data. Checkpoints imported before the file's path was kept with the report keep
 * their import-time result (a re-import records it). A file that can no longer be read (moved, deleted, grown past its limit, a
 * link leading out of its folder) cannot be checked: opening then needs the same explicit,
 * audited confirmation, and the import-time result stays shown.
 */
import { and, eq, inArray } from 'drizzle-orm';
import {
	findLeakage,
	flattenText,
	parseTrainingData,
	type LeakageReport
} from '../../domain/leakage';
import { formatIssue, ValidationError } from '../../errors';
import { designOf } from '../assign';
import type { Actor } from '../auth/actors';
import * as audit from '../audit/record';
import { readConfig } from '../config';
import type { Db } from '../db';
import { cases, checkpoints, rounds, studies } from '../db/schema';

type Round = typeof rounds.$inferSelect;
import { confine, fileLines, placesOf } from '../studies/files';

/** What the check at opening found for one checkpoint. */
export interface Recheck {
	checkpoint: string;
	file: string;
	/** The current report, or null when the file could not be read (`problem` says why). */
	report: LeakageReport | null;
	problem?: string;
}

/** Reads a training data file recorded at import again, confined as it was then. */
function readAgain(source: string, shown: string, studyDir: string | null) {
	const config = readConfig();
	const real = confine(source, '/', placesOf(studyDir ?? undefined, config), {
		file: shown,
		field: 'training_data'
	});
	return parseTrainingData(fileLines(real, shown, 'cases', config.limits), shown);
}

/**
 * Checks the round's checkpoints against their training data as it is now and stores each new
 * report, in a transaction of its own: the result stays (and the round page shows it) even when
 * the opening that asked for it is then refused.
 */
export async function refresh(db: Db, round: Round): Promise<Recheck[]> {
	const names = designOf(round).checkpoints ?? [];
	if (!names.length) return [];
	return db.transaction(async (tx) => {
		const cps = await tx
			.select({ id: checkpoints.id, name: checkpoints.name, leakage: checkpoints.leakage })
			.from(checkpoints)
			.where(and(eq(checkpoints.studyId, round.studyId), inArray(checkpoints.name, names)))
			.orderBy(checkpoints.name)
			.for('update');
		const named = cps.filter((cp) => cp.leakage?.source);
		if (!named.length) return [];
		const [study] = await tx
			.select({ sourceDir: studies.sourceDir })
			.from(studies)
			.where(eq(studies.id, round.studyId));
		const evals = (
			await tx
				.select({ id: cases.externalId, source: cases.source, reference: cases.reference })
				.from(cases)
				.where(eq(cases.studyId, round.studyId))
				.orderBy(cases.position)
		).map((c) => ({
			id: c.id,
			source: flattenText(c.source),
			...(c.reference ? { reference: c.reference } : {})
		}));
		const out: Recheck[] = [];
		for (const cp of named) {
			const before = cp.leakage!;
			try {
				const examples = readAgain(before.source!, before.file, study?.sourceDir ?? null);
				const report = { ...findLeakage(evals, examples, before.file), source: before.source };
				await tx.update(checkpoints).set({ leakage: report }).where(eq(checkpoints.id, cp.id));
				out.push({ checkpoint: cp.name, file: before.file, report });
			} catch (e) {
				if (!(e instanceof ValidationError)) throw e;
				out.push({
					checkpoint: cp.name,
					file: before.file,
					report: null,
					problem: e.issues.map(formatIssue).join('; ')
				});
			}
		}
		return out;
	});
}

/**
 * Inside the opening's transaction: records the check (`round.leakage-check`, the leaked cases
 * per checkpoint, or that its file could not be read) and refuses to open on a file that could
 * not be read unless `confirmed`. Leaked cases themselves are confirmed through
 * studies/checks.ts requireLeakageConfirmed, which reads the refreshed reports.
 * @throws ValidationError (field confirmLeakage) naming each checkpoint whose file was unreadable
 */
export async function recordAtOpening(
	tx: Db,
	actor: Actor,
	round: Round,
	checked: Recheck[],
	confirmed: boolean
): Promise<void> {
	if (!checked.length) return;
	const unreadable = checked.filter((r) => !r.report);
	if (unreadable.length && !confirmed)
		throw new ValidationError(
			unreadable.map((r) => ({
				field: 'confirmLeakage',
				message: `the training data of checkpoint "${r.checkpoint}" cannot be checked again (${r.problem}); confirm to open the round on the result of its import`
			})),
			`Round "${round.name}": training data could not be checked before opening`
		);
	await audit.record(tx, actor, {
		action: 'round.leakage-check',
		entity: 'round',
		entityId: round.id,
		studyId: round.studyId,
		after: Object.fromEntries(
			checked.map((r) => [
				r.checkpoint,
				r.report
					? { file: r.file, examples: r.report.examples, leakedCases: r.report.leakedCases }
					: { file: r.file, unreadable: true, confirmed }
			])
		)
	});
}
