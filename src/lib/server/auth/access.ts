/**
 * Who may do what: every permission is one function here, and this is the only module that
 * compares role names or actor types for access (access.test.ts greps src/ to keep it so).
 * hooks.server.ts gates requests with `mayUseRoute`, services call the `can…` functions
 * (through `requireThat`) and page loads pass the answers to pages, which only hide what the
 * gate and the services would refuse anyway.
 *
 * Roles: coordinators run studies, rounds and accounts; statisticians read; the CLI is whoever
 * holds the machine (and so the database) and may do what a coordinator may; raters rate their
 * own items through their link and see nothing else.
 */
import { ForbiddenError } from '../../errors';
import type { Actor, CoordinatorActor } from './actors';
import type { Access } from './routes';

/** Coordinators and the command line. */
function isCoordinator(actor: Actor): boolean {
	return actor.type === 'cli' || (actor.type === 'user' && actor.role === 'coordinator');
}

/** Create studies, add checkpoints and cases, start generation. */
export function canChangeStudy(actor: Actor): boolean {
	return isCoordinator(actor);
}

/** Create rounds, move them through draft → open → locked → unblinded, add and revoke raters. */
export function canChangeRound(actor: Actor): boolean {
	return isCoordinator(actor);
}

/** Create, edit and remove the accounts of coordinators and statisticians. */
export function canManageAccounts(actor: Actor): boolean {
	return isCoordinator(actor);
}

/**
 * Read a round's analysis. Every signed-in user and the CLI may; what they see depends on the
 * round's status (by checkpoint only once unblinded), which round-analysis.ts decides.
 */
export function canReadAnalysis(actor: Actor): boolean {
	return actor.type !== 'rater';
}

/** Download a round's files: coordinators at any status, statisticians once it is unblinded. */
export function canExport(actor: Actor, round: { status: string }): boolean {
	if (actor.type === 'rater') return false;
	if (actor.type === 'user' && actor.role === 'statistician') return round.status === 'unblinded';
	return true;
}

/** Read, write and lock a round's analysis plan: coordinators, statisticians and the CLI. */
export function canWriteAnalysisPlan(actor: Actor): boolean {
	return actor.type !== 'rater';
}

/** Opt a round out of pre-registration (recorded on every report): coordinators only. */
export function canOptOutOfPlan(actor: Actor): boolean {
	return isCoordinator(actor);
}

/** Read the audit log (the service's rule; the /audit page is for coordinators at the gate). */
export function canReadAuditLog(actor: Actor): boolean {
	return actor.type !== 'rater';
}

/**
 * Whether a signed-in user passes the gate for a route that needs `access` (auth/routes.ts):
 * `staff` routes are open to every signed-in user, `coordinator` routes to coordinators only.
 */
export function mayUseRoute(access: Access, user: CoordinatorActor): boolean {
	if (access === 'coordinator') return isCoordinator(user);
	return access === 'staff';
}

/** Throws ForbiddenError with `message` unless the permission was granted. */
export function requireThat(allowed: boolean, message: string): void {
	if (!allowed) throw new ForbiddenError(message);
}
