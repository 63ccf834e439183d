import type { Role } from '../../domain/enums';

/** Who is asking. Services take an actor, check it, and write it to the audit log. */
export interface CoordinatorActor {
	type: 'user';
	id: string;
	email: string;
	name: string;
	role: Role;
}

export interface RaterActor {
	type: 'rater';
	id: string;
	studyId: string;
	pseudonym: string;
	name: string;
}

/** The command line, run by whoever has the machine (and so the database) in hand. */
export interface CliActor {
	type: 'cli';
}

export type Actor = CoordinatorActor | RaterActor | CliActor;

export const CLI: CliActor = { type: 'cli' };
