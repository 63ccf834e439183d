/**
 * What `npm run cli -- extraction <study>` checks: every finished output of a study (or of one
 * round) with its blinded item code and its case's gold labels, ready for the pure
 * checkExtraction (analysis/extraction-check.ts). Reads only; nothing here names a checkpoint.
 */
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { ExtractionInput } from '../analysis/extraction-check';
import { caseTruth, storedTaskKeys, taskOfStudy } from '../domain/tasks';
import { ValidationError } from '../errors';
import { canReadAnalysis, requireThat } from './auth/access';
import type { Actor } from './auth/actors';
import type { Db } from './db';
import { items, outputs, rounds } from './db/schema';
import { finishedOutputs } from './outputs/queries';
import * as studies from './studies/queries';

/**
 * The outputs to check, each under the smallest code it has among the first showings of the
 * round (`roundName`) or of every round of the study; pairwise items show two outputs, marked
 * "L" and "R". Without a round, outputs no round shows are included with code null, ordered by
 * their random id so that their order says nothing about their checkpoint.
 */
export async function extractionInputs(
	db: Db,
	actor: Actor,
	slug: string,
	roundName: string | null
): Promise<ExtractionInput[]> {
	requireThat(canReadAnalysis(actor), 'Raters cannot see the analysis');
	const study = await studies.bySlug(db, slug);
	const studyRounds = await db.select().from(rounds).where(eq(rounds.studyId, study.id));
	const picked = roundName === null ? studyRounds : studyRounds.filter((r) => r.name === roundName);
	if (roundName !== null && picked.length === 0)
		throw new ValidationError([
			{ field: 'round', message: `no round "${roundName}" in study "${slug}"` }
		]);
	const codes = new Map<string, string>();
	const keep = (outputId: string, code: string) => {
		const had = codes.get(outputId);
		if (had === undefined || code < had) codes.set(outputId, code);
	};
	for (const round of picked) {
		const shown = await db
			.select({ code: items.code, left: items.outputId, right: items.rightOutputId })
			.from(items)
			.where(and(eq(items.roundId, round.id), isNull(items.repeatOfItemId)));
		for (const s of shown) {
			if (s.right === null) keep(s.left, s.code);
			else {
				keep(s.left, `${s.code} L`);
				keep(s.right, `${s.code} R`);
			}
		}
	}
	const rows = await finishedOutputs(db, study.id).orderBy(asc(outputs.id));
	// Each output against the labels of its own task: a task not scored on labels has none.
	const tasks = new Map(storedTaskKeys(study.tasks).map((k) => [k, taskOfStudy(study, k)]));
	return rows.flatMap((r) => {
		const code = codes.get(r.id) ?? null;
		const task = tasks.get(r.task);
		if ((roundName !== null && code === null) || !task) return [];
		if (!task.metrics.includes('modality') && !task.metrics.includes('icd10')) return [];
		const { goldModality, goldIcd10 } = caseTruth(task, { ...r, externalId: r.caseId });
		return [{ code, caseId: r.caseId, text: r.text ?? '', goldModality, goldIcd10 }];
	});
}
