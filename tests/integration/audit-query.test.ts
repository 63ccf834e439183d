/**
 * The audit trail on both databases. First a realistic flow through the services (a coordinator
 * imports the demo study, creates a round, adds raters, opens it; a rater scores, comments,
 * corrects and spends time; the coordinator reissues a link, locks and unblinds), checking that
 * each step wrote its audit row, in order, with actor and before/after. Then the coordinator's
 * view of that log: every filter, keyset paging both ways, and the CSV export as R and pandas
 * load it. No rater token may appear anywhere in it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditCursor, AuditFilter } from '../../src/lib/domain/audit-query';
import { ForbiddenError } from '../../src/lib/errors';
import * as analysisPlans from '../../src/lib/server/analysis-plans';
import * as auditLog from '../../src/lib/server/audit/query';
import { CLI, type CoordinatorActor, type RaterActor } from '../../src/lib/server/auth/actors';
import * as users from '../../src/lib/server/auth/users';
import type { Database } from '../../src/lib/server/db';
import * as schema from '../../src/lib/server/db/schema';
import * as rating from '../../src/lib/server/rating';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { runPython, runR } from '../support/csv-readers';
import { TEST_DATABASES } from '../support/databases';
import { buildTinyModelOnce, copyDemoStudy } from '../support/fixtures';

const PLAN =
	'primary: { better: llama3-8b-qlora-letters, than: llama3-8b-instruct, dimension: diagnosis }\n';

interface Expected {
	action: string;
	actor: string;
	entity: string;
	before?: unknown;
	after?: unknown;
}

describe.each(TEST_DATABASES)('audit log on $name', ({ create }) => {
	let database: Database;
	let work: string;
	let ann: CoordinatorActor;
	let rater: RaterActor;
	let roundId: string;
	const tokens: string[] = [];
	let last = 0;

	/** The rows written since the previous call, oldest first, as the coordinator sees them. */
	async function since(): Promise<auditLog.AuditRow[]> {
		const page = await auditLog.list(database.db, ann, {}, { after: last }, 1000);
		const rows = page.rows.reverse();
		if (rows.length) last = rows.at(-1)!.id;
		return rows;
	}

	/** Checks the rows the last step wrote against the expected ones, in order. */
	async function expectNew(expected: Expected[]) {
		const rows = await since();
		expect(
			rows.map((r) => ({ action: r.action, actor: r.actor, entity: r.entity })),
			expected.map((e) => e.action).join(', ')
		).toEqual(expected.map(({ action, actor, entity }) => ({ action, actor, entity })));
		expected.forEach((e, i) => {
			if ('before' in e) expect(rows[i]!.before, `${e.action} before`).toEqual(e.before);
			if ('after' in e) expect(rows[i]!.after, `${e.action} after`).toMatchObject(e.after!);
		});
		return rows;
	}

	async function all(filter: AuditFilter): Promise<auditLog.AuditRow[]> {
		return (await auditLog.list(database.db, ann, filter, null, 1000)).rows;
	}

	beforeAll(async () => {
		database = await create();
		await buildTinyModelOnce(); // the copied study's local checkpoint needs its manifest
		work = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-audit-'));
	});
	afterAll(async () => {
		await database?.close();
		if (work) fs.rmSync(work, { recursive: true, force: true });
	});

	it('writes an audit row for each step of a round, in order, with actor and change', async () => {
		const { db } = database;
		ann = await users.create(db, CLI, {
			email: 'ann@clinic.test',
			name: 'Ann Coord',
			password: 'a-long-password'
		});
		const who = 'Ann Coord <ann@clinic.test>';
		await expectNew([
			{ action: 'user.create', actor: 'command line', entity: 'user', after: { email: ann.email } }
		]);
		const imported = await importStudy(db, ann, loadStudy('studies/demo'));
		await expectNew([
			{
				action: 'study.create',
				actor: who,
				entity: 'study',
				after: { cases: { added: 14 } }
			}
		]);
		const round = await rounds.create(db, ann, {
			studyId: imported.studyId,
			name: 'Audited',
			checkpointNames: ['llama3-8b-instruct', 'llama3-8b-qlora-letters'],
			seed: 'audit'
		});
		roundId = round.id;
		await expectNew([
			{ action: 'round.create', actor: who, entity: 'round', after: { name: 'Audited', items: 28 } }
		]);
		const first = await rounds.addRater(db, ann, roundId, { name: 'Dr Ada' });
		const second = await rounds.addRater(db, ann, roundId, { name: 'Dr Bo' });
		tokens.push(first.token, second.token);
		const added = await expectNew([
			{ action: 'rater.add', actor: who, entity: 'rater', after: { pseudonym: 'R01' } },
			{ action: 'rater.add', actor: who, entity: 'rater', after: { pseudonym: 'R02' } }
		]);
		expect(added.map((r) => r.entityId)).toEqual([first.raterId, second.raterId]);
		await rounds.transition(db, ann, roundId, 'open');
		await expectNew([
			{
				action: 'round.open',
				actor: who,
				entity: 'round',
				before: { status: 'draft' },
				after: { status: 'open' }
			}
		]);

		rater = (await rating.raterFromToken(db, first.token))!;
		const code = (await rating.currentRound(db, rater))!.slots[0]!.code;
		const r01 = { actor: 'R01', entity: 'assignment' };
		await rating.saveScore(db, rater, code, 'diagnosis', 2);
		await expectNew([
			{ action: 'rating.create', ...r01, before: null, after: { dimension: 'diagnosis', score: 2 } }
		]);
		await rating.saveScore(db, rater, code, 'diagnosis', 3);
		await expectNew([
			{
				action: 'rating.change',
				...r01,
				before: { dimension: 'diagnosis', score: 2 },
				after: { dimension: 'diagnosis', score: 3 }
			}
		]);
		// An unchanged score is no change and writes nothing.
		await rating.saveScore(db, rater, code, 'diagnosis', 3);
		await expectNew([]);
		await rating.saveComment(db, rater, code, '', 'Too long, "see" p. 2');
		await expectNew([
			{ action: 'comment.create', ...r01, after: { dimension: '', body: 'Too long, "see" p. 2' } }
		]);
		await rating.saveComment(db, rater, code, '', '');
		await expectNew([
			{ action: 'comment.delete', ...r01, before: { dimension: '', body: 'Too long, "see" p. 2' } }
		]);
		await rating.saveCorrection(db, rater, code, 'A corrected letter.');
		await expectNew([
			{ action: 'correction.create', ...r01, after: { body: 'A corrected letter.' } }
		]);
		await rating.addTime(db, rater, code, 30);
		await expectNew([
			{
				action: 'assignment.time',
				...r01,
				before: { secondsOnItem: 0 },
				after: { secondsOnItem: 30 }
			}
		]);

		tokens.push(await rounds.reissueLink(db, ann, second.raterId));
		const reissued = await expectNew([
			{ action: 'rater.reissue-link', actor: who, entity: 'rater' }
		]);
		expect(reissued[0]!.entityId).toBe(second.raterId);
		await rounds.transition(db, ann, roundId, 'locked');
		await expectNew([
			{ action: 'round.lock', actor: who, entity: 'round', before: { status: 'open' } }
		]);
		await expect(rounds.transition(db, ann, roundId, 'unblinded')).rejects.toThrow(
			/analysis plan is locked/
		);
		await analysisPlans.save(db, ann, roundId, PLAN);
		await analysisPlans.lock(db, ann, roundId);
		await expectNew([
			{ action: 'analysis-plan.save', actor: who, entity: 'analysis-plan' },
			{
				action: 'analysis-plan.lock',
				actor: who,
				entity: 'analysis-plan',
				before: { status: 'draft' }
			}
		]);
		await rounds.transition(db, ann, roundId, 'unblinded');
		await expectNew([
			{ action: 'round.unblind', actor: who, entity: 'round', after: { status: 'unblinded' } }
		]);
		const everything = await all({});
		expect(everything.every((r) => r.study === (r.entity === 'user' ? null : 'demo'))).toBe(true);
		expect(everything.every((r) => r.at instanceof Date)).toBe(true);
	});

	it('filters by study, entity, entity id, action prefix, actor, time and text', async () => {
		const { db } = database;
		// A second study, imported from the command line, to filter against.
		await importStudy(db, CLI, loadStudy(copyDemoStudy(work, 'other', { slug: 'other' })));
		const actions = async (filter: AuditFilter) => (await all(filter)).map((r) => r.action);

		expect(await actions({ study: 'other' })).toEqual(['study.create']);
		expect((await actions({ study: 'demo' })).length).toBe(16);
		expect(await actions({ entity: 'round' })).toEqual([
			'round.unblind',
			'round.lock',
			'round.open',
			'round.create'
		]);
		expect(await actions({ entity: 'rater', entityId: rater.id })).toEqual(['rater.add']);
		expect(await actions({ action: 'COMMENT.' })).toEqual(['comment.delete', 'comment.create']);
		expect(await actions({ action: 'rating', actorType: 'rater' })).toEqual([
			'rating.change',
			'rating.create'
		]);
		expect(await actions({ actorType: 'cli' })).toEqual(['study.create', 'user.create']);
		for (const actor of ['ann coord', 'CLINIC.TEST', ann.id])
			expect((await all({ actor })).every((r) => r.actorType === 'user')).toBe(true);
		expect((await all({ actor: 'ann' })).length).toBe(10);
		expect(await actions({ actor: 'r01', action: 'c' })).toEqual([
			'correction.create',
			'comment.delete',
			'comment.create'
		]);
		// Wildcards in the user's text match literally.
		expect(await actions({ q: '%' })).toEqual([]);
		expect(await actions({ q: 'reissue' })).toEqual(['rater.reissue-link']);
		expect(await actions({ q: 'ASSIGN', action: 'assignment' })).toEqual(['assignment.time']);

		// Time: move the user's creation back to a known day and select by range.
		await db
			.update(schema.auditLog)
			.set({ at: new Date('2025-01-15T12:00:00Z') })
			.where(eq(schema.auditLog.action, 'user.create'));
		const jan15 = { from: new Date('2025-01-15T00:00:00Z'), to: new Date('2025-01-16T00:00:00Z') };
		expect(await actions(jan15)).toEqual(['user.create']);
		expect(await actions({ to: jan15.from })).toEqual([]);
		expect((await actions({ from: jan15.to })).length).toBe((await all({})).length - 1);
	});

	it('pages by id both ways without losing or repeating an entry', async () => {
		const ids = (await all({})).map((r) => r.id);
		expect(ids.length).toBeGreaterThan(7);
		const down: number[][] = [];
		let cursor: AuditCursor = null;
		let page: auditLog.AuditPage;
		do {
			page = await auditLog.list(database.db, ann, {}, cursor, 3);
			down.push(page.rows.map((r) => r.id));
			expect(page.newer === null).toBe(cursor === null);
			cursor = page.older;
		} while (cursor);
		expect(down.flat()).toEqual(ids);
		// Back up from the oldest page: the same pages in reverse.
		const up: number[][] = [];
		while (page.newer) {
			page = await auditLog.list(database.db, ann, {}, page.newer, 3);
			up.push(page.rows.map((r) => r.id));
		}
		expect(up).toEqual(down.slice(0, -1).reverse());
		expect(page.newer).toBeNull();
		// Paging keeps the filter.
		const first = await auditLog.list(database.db, ann, { entity: 'round' }, null, 3);
		const next = await auditLog.list(database.db, ann, { entity: 'round' }, first.older, 3);
		expect([...first.rows, ...next.rows].map((r) => r.action)).toEqual(
			(await all({ entity: 'round' })).map((r) => r.action)
		);
		expect(next.older).toBeNull();
	});

	it('is for coordinators only', async () => {
		await expect(auditLog.list(database.db, rater, {})).rejects.toThrow(ForbiddenError);
		expect(() => auditLog.csvStream(database.db, rater, {})).toThrow(ForbiddenError);
	});

	it('exports the filtered log as CSV that R and pandas load without options', async () => {
		const csv = await text(auditLog.csvStream(database.db, ann, {}));
		for (const token of tokens) expect(csv).not.toContain(token);
		expect(await text(auditLog.csvStream(database.db, ann, {}, 2))).toBe(csv);
		const rows = await all({});
		const file = path.join(work, 'audit.csv');
		fs.writeFileSync(file, csv);
		const r = runR(
			`d <- read.csv("${file}"); ch <- d[d$action == "rating.change", ]; cat(nrow(d), paste(names(d), collapse = ","), is.integer(d$id), ch$actor, jsonlite::fromJSON(ch$before)$score, jsonlite::fromJSON(d$after[d$action == "comment.create"])$body, grepl("^\\\\d{4}-\\\\d{2}-\\\\d{2}T\\\\d{2}:\\\\d{2}:\\\\d{2}\\\\.\\\\d{3}Z$", d$at[1]), is.na(d$study[d$action == "user.create"]) || d$study[d$action == "user.create"] == "", sep = "|")`
		);
		expect(r).toBe(
			`${rows.length}|id,at,actor_type,actor,action,entity,entity_id,study,before,after|TRUE|R01|2|Too long, "see" p. 2|TRUE|TRUE`
		);
		const py = runPython(
			`import json, pandas as pd; d = pd.read_csv("${file}"); print(len(d), d["id"].is_monotonic_decreasing, json.loads(d.loc[d["action"] == "round.open", "after"].iloc[0])["status"], d.loc[d["action"] == "study.create", "study"].tolist())`
		);
		expect(py.trim()).toBe(`${rows.length} True open ['other', 'demo']`);
		const filtered = await text(auditLog.csvStream(database.db, ann, { entity: 'round' }));
		expect(filtered.trim().split('\r\n').length).toBe(1 + 4);
	});

	it('reads the log from one snapshot: a name changed while the CSV streams shows once', async () => {
		const actorNames = (csv: string) => {
			const lines = csv.trim().split('\r\n').slice(1);
			return new Set(lines.filter((l) => l.includes(`<${ann.email}>`)).map((l) => l.split(',')[3]));
		};
		const [user] = await database.db
			.select({ name: schema.users.name })
			.from(schema.users)
			.where(eq(schema.users.id, ann.id));
		// One row per page on PGlite: the rename lands between the first page and the others.
		const out = auditLog.csvStream(database.db, ann, {}, 1);
		const chunks = out.chunks[Symbol.asyncIterator]();
		let csv = '';
		for (let i = 0; i < 2; i++) csv += (await chunks.next()).value ?? '';
		await database.db
			.update(schema.users)
			.set({ name: 'Renamed meanwhile' })
			.where(eq(schema.users.id, ann.id));
		for (let r = await chunks.next(); !r.done; r = await chunks.next()) csv += r.value;
		try {
			expect(actorNames(csv)).toEqual(new Set([`${user!.name} <${ann.email}>`]));
		} finally {
			await database.db
				.update(schema.users)
				.set({ name: user!.name })
				.where(eq(schema.users.id, ann.id));
		}
	});
});

async function text(out: { chunks: AsyncIterable<string> }): Promise<string> {
	let s = '';
	for await (const c of out.chunks) s += c;
	return s;
}
