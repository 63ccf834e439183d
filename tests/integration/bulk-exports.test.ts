/**
 * The CSV exports written through the database's COPY (export-copy.ts, the audit CSV) equal,
 * byte for byte, what the row-by-row writers they replaced wrote
 * (tests/support/reference-exports.ts), on both databases:
 * on the demo study and on a study of awkward values (quotes, line breaks, commas, Unicode,
 * empty strings, leading =, +, -, @, microsecond timestamps), absolute and pairwise, in one
 * statement and in many small ones (PGlite's pages).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as auditLog from '../../src/lib/server/audit/query';
import { CLI } from '../../src/lib/server/auth/actors';
import type { Database } from '../../src/lib/server/db';
import * as schema from '../../src/lib/server/db/schema';
import { exportStream } from '../../src/lib/server/exports';
import * as rating from '../../src/lib/server/rating';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { AWKWARD, buildAwkwardStudy } from '../support/awkward-study';
import { optOutForTest } from '../support/preregister';
import { TEST_DATABASES } from '../support/databases';
import {
	referenceAuditCsv,
	referenceLongCsv,
	referenceWideCsv
} from '../support/reference-exports';

async function textOf(out: { chunks: AsyncIterable<string> }): Promise<string> {
	let s = '';
	for await (const c of out.chunks) s += c;
	return s;
}

async function csv(database: Database, roundId: string, format: 'long' | 'wide', page?: number) {
	const out = await exportStream(database.db, CLI, roundId, format, page);
	let s = '';
	for await (const c of out.chunks) s += c;
	return s;
}

describe.each(TEST_DATABASES)('COPY exports on $name', ({ create }) => {
	let database: Database;
	let demo: string;
	let awkward: { absolute: string; pairwise: string };

	beforeAll(async () => {
		database = await create();
		const { studyId } = await importStudy(database.db, CLI, loadStudy('studies/demo'));
		const round = await rounds.create(database.db, CLI, {
			studyId,
			name: 'Demo round',
			checkpointNames: ['llama3-8b-instruct', 'llama3-8b-qlora-letters'],
			seed: 'x',
			design: { kind: 'absolute', type: 'fully-crossed', ratersPerItem: null, repeatShare: 0.1 }
		});
		demo = round.id;
		await rounds.transition(database.db, CLI, round.id, 'open');
		for (const name of ['A', 'B']) {
			const { token } = await rounds.addRater(database.db, CLI, round.id, { name });
			const rater = (await rating.raterFromToken(database.db, token))!;
			const mine = (await rating.currentRound(database.db, rater))!;
			for (const slot of mine.slots.slice(0, 20))
				for (const [i, d] of mine.form.dimensions.entries())
					if ((slot.position + i) % 5)
						await rating.saveScore(
							database.db,
							rater,
							slot.code,
							d.key,
							((slot.position + i) % 4) + 1
						);
		}
		awkward = await buildAwkwardStudy(database.db);
	}, 300_000);
	afterAll(async () => {
		await database?.close();
	});

	it('demo study: long and wide equal the row-by-row writer, blinded and unblinded', async () => {
		for (const status of ['open', 'locked', 'unblinded'] as const) {
			if (status === 'unblinded') await optOutForTest(database.db, demo);
			if (status !== 'open') await rounds.transition(database.db, CLI, demo, status);
			const long = await csv(database, demo, 'long');
			expect(long.split('\r\n').length).toBeGreaterThan(100);
			expect(long).toBe(await referenceLongCsv(database.db, demo));
			expect(await csv(database, demo, 'wide')).toBe(await referenceWideCsv(database.db, demo));
		}
	});

	it('awkward values: long and wide equal the row-by-row writer, absolute and pairwise', async () => {
		for (const roundId of [awkward.absolute, awkward.pairwise]) {
			const long = await csv(database, roundId, 'long');
			const reference = await referenceLongCsv(database.db, roundId);
			expect(long).toBe(reference);
			for (const v of ['"say ""hi"""', '"line\nbreak"', '"crlf\r\nbreak"', '=SUM(A1:A9)', '@cmd'])
				expect(long).toContain(v);
			expect(long).toContain(AWKWARD[12]);
			expect(await csv(database, roundId, 'wide')).toBe(
				await referenceWideCsv(database.db, roundId)
			);
			// Small pages: on PGlite many COPY statements; the same bytes.
			expect(await csv(database, roundId, 'long', 4)).toBe(reference);
			expect(await csv(database, roundId, 'wide', 4)).toBe(
				await referenceWideCsv(database.db, roundId)
			);
		}
	});

	it('audit CSV equals the paged writer, with awkward values, filtered and not', async () => {
		const [user] = await database.db
			.insert(schema.users)
			.values({ email: 'a,"b"@x', name: '=Ann\nLee', passwordHash: 'x' })
			.returning();
		const entries = AWKWARD.map((v, i) => ({
			actorType: (['user', 'rater', 'cli', 'system'] as const)[i % 4]!,
			actorId: i % 4 === 0 ? user!.id : i % 4 === 1 ? 'no-such-rater' : null,
			action: `awk.${i}`,
			entity: v || 'entity',
			entityId: v,
			before: i % 3 ? { text: v, n: 1.5, big: 12345678901234, '10': 'x', b: [v, null] } : null,
			after: { token: 'secret', nested: { linkToken: 's', keep: v }, '2': true, a: -0.25 },
			at: new Date(Date.UTC(2026, 0, 1) + i * 1001)
		}));
		await database.db.insert(schema.auditLog).values(entries);
		await database.db.execute(
			sql`update audit_log set at = at + interval '999 microseconds' where action like 'awk.%'`
		);
		const ann = CLI;
		for (const filter of [{}, { q: 'awk' }, { entity: 'say "hi"' }, { action: 'study.' }]) {
			const got = await textOf(auditLog.csvStream(database.db, ann, filter));
			expect(got).toBe(await referenceAuditCsv(database.db, ann, filter));
			expect(await textOf(auditLog.csvStream(database.db, ann, filter, 3))).toBe(got);
			expect(got).not.toContain('secret');
		}
	});

	it('one snapshot: saves committed while an export runs are in all of it or in none', async () => {
		// The first and the last rating of the long export, written together by every save below.
		const ends = async () => {
			const order = sql`from ratings r join assignments a on a.id = r.assignment_id
				join raters ra on ra.id = a.rater_id where a.round_id = ${demo}`;
			const [first] = await rowsOf<{ id: string; d: string }>(
				sql`select r.assignment_id as id, r.dimension as d ${order}
				order by ra.pseudonym, a.position, r.dimension limit 1`
			);
			const [last] = await rowsOf<{ id: string; d: string }>(
				sql`select r.assignment_id as id, r.dimension as d ${order}
				order by ra.pseudonym desc, a.position desc, r.dimension desc limit 1`
			);
			return [first!, last!] as const;
		};
		const rowsOf = async <T>(q: ReturnType<typeof sql>) => {
			const r = (await database.db.execute(q)) as unknown;
			return (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];
		};
		const [first, last] = await ends();
		const save = (score: number) =>
			database.db.transaction(async (tx) => {
				for (const r of [first, last])
					await tx.execute(
						sql`update ratings set score = ${score} where assignment_id = ${r.id} and dimension = ${r.d}`
					);
			});
		await save(1);
		const scoreAt = (csvText: string, line: 'first' | 'last') => {
			const lines = csvText.split('\r\n').filter(Boolean);
			const column = lines[0]!.split(',').indexOf('score');
			return lines[line === 'first' ? 1 : lines.length - 1]!.split(',')[column];
		};
		for (let run = 0; run < 3; run++) {
			// Saves alternate 2 and 3 in both places for as long as the export runs, which reads one
			// row per statement on PGlite and yields to the saves between its chunks.
			let exporting = true;
			let saves = 0;
			const saver = (async () => {
				while (exporting) {
					await save(2 + (saves % 2));
					saves++;
					// PGlite answers through microtasks only: let the export's timers run.
					await new Promise((r) => setImmediate(r));
				}
			})();
			const out = await exportStream(database.db, CLI, demo, 'long', 1);
			let text = '';
			for await (const c of out.chunks) {
				text += c;
				await new Promise((r) => setImmediate(r));
			}
			exporting = false;
			await saver;
			expect(saves).toBeGreaterThan(0);
			expect(scoreAt(text, 'first')).toBe(scoreAt(text, 'last'));
		}
	});

	it('a consumer that stops early leaves the database usable', async () => {
		const out = await exportStream(database.db, CLI, demo, 'long');
		for await (const _ of out.chunks) break;
		for (let i = 0; i < 3; i++)
			expect(await csv(database, awkward.absolute, 'long')).toBe(
				await referenceLongCsv(database.db, awkward.absolute)
			);
	});
});
