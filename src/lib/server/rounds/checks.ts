/** The checks every round service starts with: who may act, and whether an id can name a row. */
import { NotFoundError } from '../../errors';
import { canChangeRound, requireThat } from '../auth/access';
import type { Actor } from '../auth/actors';

export function requireCoordinator(actor: Actor): void {
	requireThat(canChangeRound(actor), 'Only coordinators manage rounds');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids come from URLs and forms: one that is not a UUID names nothing (and must not reach SQL). */
export function requireId(id: string, what: string): void {
	if (!UUID.test(id)) throw new NotFoundError(`${what} not found`);
}
