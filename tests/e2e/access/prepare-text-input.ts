/**
 * The database of text-input.spec.ts: the demo study, a coordinator, an open round with one
 * rater, and a trigger that makes the database refuse any comment holding the spec's marker,
 * as a real database error would (the query failing with the comment among its parameters).
 * Writes the round id, the rater's link and an item code to <dir>/fixture.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { CLI } from '../../../src/lib/server/auth/actors';
import * as users from '../../../src/lib/server/auth/users';
import { readConfig } from '../../../src/lib/server/config';
import { openDatabase } from '../../../src/lib/server/db';
import * as rating from '../../../src/lib/server/rating';
import * as rounds from '../../../src/lib/server/rounds';
import { importStudy } from '../../../src/lib/server/studies/import';
import { loadStudy } from '../../../src/lib/server/studies/loader';
import { MATRIX_USERS } from './matrix-users';

/** Comments holding this make the database fail (the same string is in text-input.spec.ts). */
const MARKER = 'BLINDEVAL-LOG-MARKER';

const dir = path.resolve(process.argv[2]!);
const config = readConfig();
const database = await openDatabase(config);
try {
	await database.migrate(config.migrationsDir);
	const { db } = database;
	const { studyId } = await importStudy(db, CLI, loadStudy('studies/demo'));
	await users.create(db, CLI, MATRIX_USERS.coordinator);
	const round = await rounds.create(db, CLI, {
		studyId,
		name: 'Text input',
		checkpointNames: ['llama3-8b-instruct'],
		seed: 'text'
	});
	const { token } = await rounds.addRater(db, CLI, round.id, { name: 'Rater A' });
	await rounds.transition(db, CLI, round.id, 'open');
	const rater = (await rating.raterFromToken(db, token))!;
	const code = (await rating.currentRound(db, rater))!.slots[0]!.code;
	await db.execute(
		sql.raw(`create function refuse_marker() returns trigger language plpgsql as $$
		begin
			if position('${MARKER}' in new.body) > 0 then
				raise exception 'refused by the test trigger';
			end if;
			return new;
		end $$`)
	);
	await db.execute(
		sql.raw(`create trigger refuse_marker before insert or update on comments
			for each row execute function refuse_marker()`)
	);
	fs.writeFileSync(
		path.join(dir, 'fixture.json'),
		JSON.stringify({ round: round.id, raterToken: token, code })
	);
} finally {
	await database.close();
}
