/** The end of a file import into an existing study, inside its transaction. */
import type { Actor } from '../auth/actors';
import * as audit from '../audit/record';
import type { Db } from '../db';
import * as checks from './checks';

/** Records the import checks (checks.ts), then one audit row on the study. */
export async function recordStudyImport(
	tx: Db,
	actor: Actor,
	studyId: string,
	phi: checks.PhiGate,
	action: 'outputs.import' | 'cases.upload',
	after: Record<string, unknown>
): Promise<void> {
	await checks.recordChecks(tx, actor, studyId, phi);
	await audit.record(tx, actor, { action, entity: 'study', entityId: studyId, studyId, after });
}
