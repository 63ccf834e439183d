/**
 * Writes a validated study definition to the database in one transaction. Re-importing the same
 * definition changes nothing; a changed one updates what changed, and refuses changes that
 * would alter what raters already saw (an output inside a round). The steps live beside it:
 * cases in import-cases.ts, checkpoints and outputs in import-outputs.ts.
 */
import { eq } from 'drizzle-orm';
import { primaryForm } from '../../domain/study-definition';
import { resolveTasks, type StudyTask } from '../../domain/tasks';
import { ConflictError } from '../../errors';
import type { Actor } from '../auth/actors';
import * as audit from '../audit/record';
import * as checks from './checks';
import type { Db } from '../db';
import { checkpoints, outputs, studies } from '../db/schema';
import { upsertCases } from './import-cases';
import { ensurePending, renormalize, upsertCheckpoint, upsertImported } from './import-outputs';
import { emptySummary, same, type ImportSummary } from './import-summary';
import type { StudyDefinition } from './loader';

export type { ImportSummary } from './import-summary';

export async function importStudy(
	db: Db,
	actor: Actor,
	def: StudyDefinition,
	opts: { confirmPhi?: boolean } = {}
): Promise<ImportSummary> {
	// Issue 13: likely identifiers stop the import before anything is written (checks.ts).
	const phi = await checks.gateStudy(db, def, opts.confirmPhi);
	const leakage = checks.leakageOf(def);
	return db.transaction(async (tx) => {
		const summary: ImportSummary = emptySummary('', def.slug);
		const tasks = resolveTasks(def.study);
		const values = {
			slug: def.slug,
			name: def.study.name,
			description: def.study.description,
			seed: def.study.seed,
			// A study of automatic tasks only has no form: its rows keep an empty one (no round).
			form: primaryForm(def.study) ?? { dimensions: [] },
			tasks: def.study.tasks ? tasks : null,
			analysis: def.study.analysis ?? null,
			normalize: def.study.normalize ?? null,
			phi: def.study.phi ?? null,
			analysisPlan: def.analysisPlan?.source ?? null,
			definitionHash: def.hash,
			sourceDir: def.dir
		};
		let [study] = await tx.select().from(studies).where(eq(studies.slug, def.slug));
		// The study's own fields before this import, for the audit row (null when it is new).
		const before = study
			? {
					name: study.name,
					description: study.description,
					seed: study.seed,
					form: study.form,
					analysis: study.analysis,
					normalize: study.normalize,
					...(study.tasks ? { tasks: study.tasks } : {}),
					hash: study.definitionHash
				}
			: null;
		if (!study) {
			[study] = await tx.insert(studies).values(values).returning();
			summary.created = true;
		} else if (study.definitionHash !== def.hash || study.sourceDir !== def.dir) {
			[study] = await tx
				.update(studies)
				.set({ ...values, updatedAt: new Date() })
				.where(eq(studies.id, study.id))
				.returning();
		}
		const studyId = study!.id;
		summary.studyId = studyId;
		if (before) await refuseDroppedTasks(tx, studyId, tasks);

		const casesFile = `studies/${def.slug}/${def.study.cases}`;
		const caseIds = await upsertCases(tx, studyId, def.cases, casesFile, summary);
		for (const cp of def.checkpoints) {
			const checkpointId = await upsertCheckpoint(tx, studyId, cp, summary);
			if (cp.kind === 'imported')
				await upsertImported(tx, checkpointId, cp, caseIds, summary, values.normalize);
			else
				await ensurePending(
					tx,
					checkpointId,
					[...caseIds.values()],
					tasks.map((t) => t.key)
				);
		}
		if (before && !same(before.normalize, values.normalize))
			await renormalize(tx, studyId, values.normalize, summary);
		await checks.recordChecks(tx, actor, studyId, phi, leakage);
		await audit.record(tx, actor, {
			action: summary.created ? 'study.create' : 'study.import',
			entity: 'study',
			entityId: studyId,
			studyId,
			before,
			after: {
				name: values.name,
				description: values.description,
				seed: values.seed,
				form: values.form,
				analysis: values.analysis,
				normalize: values.normalize,
				...(values.tasks ? { tasks: values.tasks } : {}),
				hash: def.hash,
				cases: summary.cases,
				checkpoints: summary.checkpoints,
				outputs: summary.outputs
			}
		});
		return summary;
	});
}

/**
 * Outputs of a task the study no longer declares (a task removed or renamed, or tasks declared
 * in a study that had none) would be left without a prompt, form or reference: refused, naming
 * the tasks, before anything of the new definition is used.
 */
async function refuseDroppedTasks(tx: Db, studyId: string, tasks: StudyTask[]): Promise<void> {
	const keys = new Set(tasks.map((t) => t.key));
	const held = await tx
		.selectDistinct({ task: outputs.task })
		.from(outputs)
		.innerJoin(checkpoints, eq(checkpoints.id, outputs.checkpointId))
		.where(eq(checkpoints.studyId, studyId));
	const dropped = held.map((h) => h.task).filter((t) => !keys.has(t));
	if (dropped.length)
		throw new ConflictError(
			`study.yaml: the study has outputs of the task${dropped.length > 1 ? 's' : ''} ${dropped.map((t) => `"${t}"`).join(', ')}, which it no longer declares; keep ${dropped.length > 1 ? 'them' : 'it'} under tasks:, or import the new definition as a new study`
		);
}
