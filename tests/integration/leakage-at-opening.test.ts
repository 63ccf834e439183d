/**
 * The leakage check runs again when a round opens (issue 13, point 3), on both databases: the
 * training data file named at import is read as it is now and checked against the study's
 * cases, the checkpoint's stored result is replaced (and stays so when the opening is then
 * refused), a file that can no longer be read needs the audited confirmation, and a pairwise
 * round shows its leaked cases before it opens (its items are made at opening).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/lib/errors';
import { CLI } from '../../src/lib/server/auth/actors';
import type { Database } from '../../src/lib/server/db';
import { auditLog } from '../../src/lib/server/db/schema';
import * as rounds from '../../src/lib/server/rounds';
import { roundLeakage } from '../../src/lib/server/studies/checks';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { TEST_DATABASES } from '../support/databases';

const FT = 'llama3-8b-qlora-letters';

describe.each(TEST_DATABASES)('leakage at round opening on $name', ({ create }) => {
	let database: Database;
	let studyId: string;
	let training: string;
	const audits = async (action: string) =>
		(await database.db.select().from(auditLog).where(eq(auditLog.action, action))).map(
			(r) => r.after as Record<string, unknown>
		);
	const leakedOf = async (roundId: string) =>
		(await roundLeakage(database.db, roundId)).map((r) => [r.checkpoint, r.leakedCases]);

	beforeAll(async () => {
		database = await create();
		const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-leak-')), 'checks');
		fs.cpSync('studies/checks-demo', dir, { recursive: true });
		training = path.join(dir, 'training', 'finetune-train.jsonl');
		({ studyId } = await importStudy(database.db, CLI, loadStudy(dir), { confirmPhi: true }));
	});
	afterAll(async () => {
		await database?.close();
	});

	it('checks the training data as it is when the round opens, not as it was at import', async () => {
		const { db } = database;
		const round = await rounds.create(db, CLI, { studyId, name: 'Changed data' });
		await rounds.addRater(db, CLI, round.id, { name: 'A' });
		expect(await leakedOf(round.id)).toEqual([
			['llama3-8b-instruct', []],
			[FT, ['CHK-03', 'CHK-04']]
		]);
		// Since the import, CHK-04 left the training data and CHK-01 came in (by its id).
		const lines = fs.readFileSync(training, 'utf8').trimEnd().split('\n');
		fs.writeFileSync(
			training,
			[
				...lines.filter((l) => !l.includes('"CHK-04"')),
				JSON.stringify({ case_id: 'CHK-01', messages: [{ role: 'user', content: 'x' }] })
			].join('\n') + '\n'
		);
		const refused = await rounds.transition(db, CLI, round.id, 'open').catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(ValidationError);
		expect((refused as ValidationError).issues).toEqual([
			{
				field: 'confirmLeakage',
				message: expect.stringContaining(
					`checkpoint "${FT}" was trained on 2 of this round's cases (CHK-01, CHK-03;`
				)
			}
		]);
		// The round page shows the current result although the opening was refused.
		expect(await leakedOf(round.id)).toEqual([
			['llama3-8b-instruct', []],
			[FT, ['CHK-01', 'CHK-03']]
		]);
		expect((await rounds.get(db, round.id)).status).toBe('draft');
		await rounds.transition(db, CLI, round.id, 'open', { confirmLeakage: true });
		expect(await audits('round.leakage-check')).toEqual([
			{
				[FT]: {
					file: expect.stringMatching(/training\/finetune-train\.jsonl$/),
					examples: 7,
					leakedCases: ['CHK-01', 'CHK-03']
				}
			}
		]);
		expect((await audits('round.leakage-confirm')).at(-1)).toEqual({
			[FT]: { file: expect.any(String), leakedCases: ['CHK-01', 'CHK-03'] }
		});
	});

	it('shows a pairwise round its leaked cases before it opens', async () => {
		const round = await rounds.create(database.db, CLI, {
			studyId,
			name: 'Pairwise',
			design: { kind: 'pairwise', type: 'fully-crossed', ratersPerItem: null, repeatShare: 0 }
		});
		expect(await leakedOf(round.id)).toEqual([
			['llama3-8b-instruct', []],
			[FT, ['CHK-01', 'CHK-03']]
		]);
		await rounds.addRater(database.db, CLI, round.id, { name: 'B' });
		await expect(rounds.transition(database.db, CLI, round.id, 'open')).rejects.toThrow(
			/trained on 2 of this round's cases/
		);
	});

	it('needs the audited confirmation when the training data cannot be read any more', async () => {
		const { db } = database;
		const round = await rounds.create(db, CLI, { studyId, name: 'Gone' });
		await rounds.addRater(db, CLI, round.id, { name: 'C' });
		fs.rmSync(training);
		const refused = await rounds.transition(db, CLI, round.id, 'open').catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(ValidationError);
		expect((refused as ValidationError).issues).toEqual([
			{
				field: 'confirmLeakage',
				message: expect.stringMatching(
					new RegExp(
						`^the training data of checkpoint "${FT}" cannot be checked again \\(.*finetune-train\\.jsonl`
					)
				)
			}
		]);
		await rounds.transition(db, CLI, round.id, 'open', { confirmLeakage: true });
		expect((await audits('round.leakage-check')).at(-1)).toEqual({
			[FT]: { file: expect.any(String), unreadable: true, confirmed: true }
		});
		// The last result that could be computed is the one confirmed and shown.
		expect((await audits('round.leakage-confirm')).at(-1)).toEqual({
			[FT]: { file: expect.any(String), leakedCases: ['CHK-01', 'CHK-03'] }
		});
	});
});
