import type { Actor } from '../auth/actors';
import type { Db } from '../db';
import { auditLog } from '../db/schema';

export interface AuditEntry {
	action: string;
	entity: string;
	entityId?: string | null;
	studyId?: string | null;
	before?: unknown;
	after?: unknown;
}

/** Writes one audit row; call it inside the transaction of the change it records. */
export async function record(db: Db, actor: Actor, entry: AuditEntry): Promise<void> {
	await db.insert(auditLog).values({
		actorType: actor.type,
		actorId: actor.type === 'cli' ? null : actor.id,
		action: entry.action,
		entity: entry.entity,
		entityId: entry.entityId ?? null,
		studyId: entry.studyId ?? null,
		before: entry.before ?? null,
		after: entry.after ?? null
	});
}
