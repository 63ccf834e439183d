/**
 * The demo set-up behind `npm run demo`: the demo study imported, a coordinator account, an open
 * round over the two imported checkpoints, and a demo rater with a fresh link. Safe to run
 * again: it only creates what is missing, and issues the demo rater a new link each time
 * (links are stored as hashes, so the old one cannot be printed again).
 */
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { CLI } from './auth/actors';
import * as users from './auth/users';
import type { Db } from './db';
import { assignments, raters } from './db/schema';
import * as rounds from './rounds';
import { importStudy } from './studies/import';
import { loadStudy } from './studies/loader';

export const DEMO_EMAIL = 'coordinator@demo.local';
export const DEMO_PASSWORD = 'demo-coordinator';
export const DEMO_ROUND = 'Demo round';
const DEMO_CHECKPOINTS = ['llama3-8b-instruct', 'llama3-8b-qlora-letters'];

export interface DemoInfo {
	email: string;
	password: string;
	raterLink: string;
	roundId: string;
}

export async function setUpDemo(
	db: Db,
	publicUrl: string,
	studiesDir = 'studies'
): Promise<DemoInfo> {
	const summary = await importStudy(db, CLI, loadStudy(path.join(studiesDir, 'demo')));
	await users.ensure(db, CLI, {
		email: DEMO_EMAIL,
		name: 'Demo coordinator',
		password: DEMO_PASSWORD
	});
	let round = (await rounds.listForStudy(db, summary.studyId)).find((r) => r.name === DEMO_ROUND);
	round ??= await rounds.create(db, CLI, {
		studyId: summary.studyId,
		name: DEMO_ROUND,
		checkpointNames: DEMO_CHECKPOINTS,
		seed: 'demo-round-1'
	});
	if (round.status === 'draft') round = await rounds.transition(db, CLI, round.id, 'open');
	const [existing] = await db
		.selectDistinct({ id: raters.id })
		.from(raters)
		.innerJoin(assignments, eq(assignments.raterId, raters.id))
		.where(and(eq(assignments.roundId, round.id), eq(raters.name, 'Demo rater')));
	const token = existing
		? await rounds.reissueLink(db, CLI, existing.id)
		: (await rounds.addRater(db, CLI, round.id, { name: 'Demo rater' })).token;
	return {
		email: DEMO_EMAIL,
		password: DEMO_PASSWORD,
		raterLink: `${publicUrl}/r/${token}`,
		roundId: round.id
	};
}
