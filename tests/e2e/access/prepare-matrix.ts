/**
 * The database of the authorization matrix (authorization.spec.ts): the demo study, a
 * coordinator and a statistician, an open round with raters A and B, another open round (of
 * other letters) with rater C, and an unblinded round.
 * Writes the ids, links and item codes to <dir>/fixture.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CLI } from '../../../src/lib/server/auth/actors';
import * as users from '../../../src/lib/server/auth/users';
import { readConfig } from '../../../src/lib/server/config';
import { openDatabase } from '../../../src/lib/server/db';
import * as rating from '../../../src/lib/server/rating';
import * as rounds from '../../../src/lib/server/rounds';
import { importStudy } from '../../../src/lib/server/studies/import';
import { loadStudy } from '../../../src/lib/server/studies/loader';
import { MATRIX_USERS } from './matrix-users';
import { optOutForTest } from '../../support/preregister';
import * as analysisPlans from '../../../src/lib/server/analysis-plans';

const dir = path.resolve(process.argv[2]!);
const config = readConfig();
const database = await openDatabase({ dataDir: config.dataDir });
try {
	await database.migrate(config.migrationsDir);
	const { db } = database;
	const { studyId } = await importStudy(db, CLI, loadStudy('studies/demo'));
	for (const u of Object.values(MATRIX_USERS)) await users.create(db, CLI, u);
	const round = (name: string) =>
		rounds.create(db, CLI, {
			studyId,
			name,
			checkpointNames: ['llama3-8b-instruct', 'llama3-8b-qlora-letters'],
			seed: name
		});
	// Balanced, one rater per letter: A and B share no letter, so B must get 404 for A's codes.
	const open = await rounds.create(db, CLI, {
		studyId,
		name: 'Open',
		checkpointNames: ['llama3-8b-instruct', 'llama3-8b-qlora-letters'],
		seed: 'Open',
		design: { kind: 'absolute', type: 'balanced', ratersPerItem: 1, repeatShare: 0 }
	});
	const a = await rounds.addRater(db, CLI, open.id, { name: 'Rater A' });
	const b = await rounds.addRater(db, CLI, open.id, { name: 'Rater B' });
	await rounds.transition(db, CLI, open.id, 'open');
	// The draft copied from the demo's analysis-plan.yaml, locked: plan writes are refused (409)
	// whoever posts them, and its export answers.
	await analysisPlans.lock(db, CLI, open.id);
	const other = await rounds.create(db, CLI, {
		studyId,
		name: 'Other letters',
		checkpointNames: ['llama3-8b-qlora-letters'],
		seed: 'other'
	});
	await rounds.transition(db, CLI, other.id, 'open');
	const c = await rounds.addRater(db, CLI, other.id, { name: 'Rater C' });
	const unblinded = await round('Unblinded');
	for (const to of ['open', 'locked'] as const) await rounds.transition(db, CLI, unblinded.id, to);
	await optOutForTest(db, unblinded.id);
	await rounds.transition(db, CLI, unblinded.id, 'unblinded');
	const firstCode = async (token: string) =>
		(await rating.currentRound(db, (await rating.raterFromToken(db, token))!))!.slots[0]!.code;
	fs.writeFileSync(
		path.join(dir, 'fixture.json'),
		JSON.stringify({
			slug: 'demo',
			checkpoint: 'llama3-8b-instruct',
			openRound: open.id,
			unblindedRound: unblinded.id,
			raterA: a.token,
			raterB: b.token,
			raterC: c.token,
			codeA: await firstCode(a.token)
		})
	);
} finally {
	await database.close();
}
