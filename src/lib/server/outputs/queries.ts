/** Reads of a study's outputs shared by the import and the extraction check. */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db';
import { cases, checkpoints, outputs } from '../db/schema';

/**
 * The finished outputs of a study (status done: their text is set), each with its task, its case
 * (id, reference and gold labels) and its checkpoint's name. Dynamic, so a caller may add an order.
 */
export function finishedOutputs(db: Db, studyId: string) {
	return db
		.select({
			id: outputs.id,
			task: outputs.task,
			rawText: outputs.rawText,
			text: outputs.text,
			normalization: outputs.normalization,
			caseId: cases.externalId,
			reference: cases.reference,
			references: cases.references,
			goldModality: cases.goldModality,
			goldIcd10: cases.goldIcd10,
			checkpoint: checkpoints.name
		})
		.from(outputs)
		.innerJoin(cases, eq(cases.id, outputs.caseId))
		.innerJoin(checkpoints, eq(checkpoints.id, outputs.checkpointId))
		.where(and(eq(checkpoints.studyId, studyId), eq(outputs.status, 'done')))
		.$dynamic();
}
