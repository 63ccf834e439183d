/**
 * The thin path through every layer, on both databases: import the demo study, re-import it,
 * reject broken studies whole, generate with the tiny real model, rate, lock, unblind, export.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../../src/lib/errors';
import { CLI } from '../../src/lib/server/auth/actors';
import type { Database } from '../../src/lib/server/db';
import * as schema from '../../src/lib/server/db/schema';
import * as exportsService from '../../src/lib/server/exports';
import { generateStudy } from '../../src/lib/server/generation/job';
import * as rating from '../../src/lib/server/rating';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { ROUND_TABLES } from '../support/study-tables';
import { TEST_DATABASES } from '../support/databases';
import { optOutForTest } from '../support/preregister';
import { buildTinyModelOnce, copyDemoStudy } from '../support/fixtures';

async function counts(database: Database) {
	const out: Record<string, number> = {};
	for (const t of ROUND_TABLES) {
		const [row] = await database.db.select({ n: count() }).from(schema[t]);
		out[t] = row!.n;
	}
	return out;
}

function expectIssue(
	e: unknown,
	match: { file?: RegExp; line?: number; field?: string; message?: RegExp }
) {
	expect(e).toBeInstanceOf(ValidationError);
	const issues = (e as ValidationError).issues;
	const found = issues.find(
		(i) =>
			(!match.file || match.file.test(i.file ?? '')) &&
			(match.line === undefined || i.line === match.line) &&
			(match.field === undefined || i.field === match.field) &&
			(!match.message || match.message.test(i.message))
	);
	expect(
		found,
		`no issue like ${JSON.stringify(match)} in:\n${(e as Error).message}`
	).toBeDefined();
}

describe.each(TEST_DATABASES)('study flow on $name', ({ create }) => {
	let database: Database;
	let work: string;

	beforeAll(async () => {
		database = await create();
		await buildTinyModelOnce();
		work = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-flow-'));
	});
	afterAll(async () => {
		await database?.close();
		if (work) fs.rmSync(work, { recursive: true, force: true });
	});

	it('imports the demo study', async () => {
		const s = await importStudy(database.db, CLI, loadStudy('studies/demo'));
		expect(s.created).toBe(true);
		expect(s.cases).toEqual({ added: 14, updated: 0, unchanged: 0 });
		expect(s.checkpoints.added).toBe(3);
		// 2 imported checkpoints × 14 cases; the local checkpoint's outputs start pending.
		expect(s.outputs.added).toBe(28);
		const c = await counts(database);
		expect(c).toMatchObject({ studies: 1, cases: 14, checkpoints: 3, outputs: 42 });
		const eot = await database.db
			.select()
			.from(schema.outputs)
			.where(eq(schema.outputs.status, 'done'));
		const cleaned = eot.filter((o) => o.rawText?.includes('<|eot_id|>'));
		expect(cleaned.length).toBeGreaterThan(0);
		for (const o of cleaned) {
			expect(o.text).not.toContain('<|eot_id|>');
			expect(o.normalization).toContain('special-tokens');
		}
	});

	it('re-imports the same study without duplicates or changes', async () => {
		const before = await counts(database);
		const s = await importStudy(database.db, CLI, loadStudy('studies/demo'));
		expect(s.created).toBe(false);
		expect(s.cases).toEqual({ added: 0, updated: 0, unchanged: 14 });
		expect(s.outputs).toEqual({ added: 0, updated: 0, unchanged: 28 });
		expect(await counts(database)).toEqual(before);
	});

	it('rejects a broken study whole, naming file, line and field', async () => {
		const dir = copyDemoStudy(work, 'broken', {
			slug: 'broken',
			mutate: (files) => {
				const lines = files['cases.jsonl']!.split('\n');
				const third = JSON.parse(lines[2]!);
				third.gold.modality = 'gamma';
				lines[2] = JSON.stringify(third);
				lines[4] = lines[0]!; // duplicate id DEMO-01 on line 5
				files['cases.jsonl'] = lines.join('\n');
				files['outputs/base.jsonl'] += JSON.stringify({ case_id: 'NOPE-1', text: 'x' }) + '\n';
				files['study.yaml'] = files['study.yaml']!.replace(
					'seed: demo-2026',
					'seed: demo-2026\nrounds: 3'
				);
			}
		});
		const before = await counts(database);
		let error: unknown;
		try {
			await importStudy(database.db, CLI, loadStudy(dir));
		} catch (e) {
			error = e;
		}
		expectIssue(error, { file: /study\.yaml$/, message: /unrecognized key/i });
		// study.yaml is checked first; fix it and see the file-level issues.
		fs.writeFileSync(
			path.join(dir, 'study.yaml'),
			fs.readFileSync(path.join(dir, 'study.yaml'), 'utf8').replace('\nrounds: 3', '')
		);
		try {
			await importStudy(database.db, CLI, loadStudy(dir));
			error = undefined;
		} catch (e) {
			error = e;
		}
		expectIssue(error, { file: /cases\.jsonl$/, line: 3, field: 'gold.modality' });
		expectIssue(error, { file: /cases\.jsonl$/, line: 5, field: 'id', message: /duplicate/ });
		expect(await counts(database)).toEqual(before);
	});

	it('rolls back a partly applied import when a later step fails', async () => {
		// Case DEMO-01 changes (written first), then an output that raters already see changes.
		const dir = copyDemoStudy(work, 'rollback', {
			mutate: (files) => {
				files['cases.jsonl'] = files['cases.jsonl']!.replace('"patient":"', '"patient":"CHANGED ');
				files['outputs/base.jsonl'] = files['outputs/base.jsonl']!.replace(
					'"text":"',
					'"text":"Changed. '
				);
			}
		});
		const round = await rounds.create(database.db, CLI, {
			studyId: (await database.db.select().from(schema.studies))[0]!.id,
			name: 'rollback-probe',
			checkpointNames: ['llama3-8b-instruct']
		});
		await expect(importStudy(database.db, CLI, loadStudy(dir))).rejects.toBeInstanceOf(
			ConflictError
		);
		const [first] = await database.db
			.select()
			.from(schema.cases)
			.where(eq(schema.cases.externalId, 'DEMO-01'));
		expect(JSON.stringify(first!.source)).not.toContain('CHANGED');
		await database.db.delete(schema.items).where(eq(schema.items.roundId, round.id));
		await database.db.delete(schema.rounds).where(eq(schema.rounds.id, round.id));
	});

	it('generates outputs for the demo cases with the tiny real model', async () => {
		const dir = copyDemoStudy(work, 'generate');
		const result = await generateStudy(database.db, CLI, loadStudy(dir), {
			checkpoint: 'tiny-random'
		});
		expect(result).toEqual({ done: 14, errors: 0, cancelled: false });
		const rows = await database.db
			.select()
			.from(schema.outputs)
			.innerJoin(schema.checkpoints, eq(schema.checkpoints.id, schema.outputs.checkpointId))
			.where(eq(schema.checkpoints.name, 'tiny-random'));
		expect(rows).toHaveLength(14);
		for (const { outputs: o } of rows) {
			expect(o.status).toBe('done');
			expect(o.seed).toBe(42);
			expect(o.promptTokens).toBeGreaterThan(10);
			expect(o.completionTokens).toBeGreaterThan(0);
			expect(o.durationMs).toBeGreaterThanOrEqual(0);
			expect(o.provenance).toMatchObject({
				source: 'local',
				modelSha256: expect.stringMatching(/^[0-9a-f]{64}$/)
			});
		}
		// Resuming finds nothing left to do.
		expect(
			await generateStudy(database.db, CLI, loadStudy(dir), { checkpoint: 'tiny-random' })
		).toEqual({ done: 0, errors: 0, cancelled: false });
	});

	it('runs a round: blinded rating, lock, unblind, export', async () => {
		const [study] = await database.db.select().from(schema.studies);
		const round = await rounds.create(database.db, CLI, {
			studyId: study!.id,
			name: 'Round 1',
			checkpointNames: ['llama3-8b-instruct', 'llama3-8b-qlora-letters'],
			seed: 'fixed'
		});
		await rounds.transition(database.db, CLI, round.id, 'open');
		const a = await rounds.addRater(database.db, CLI, round.id, { name: 'Dr A' });
		const b = await rounds.addRater(database.db, CLI, round.id, { name: 'Dr B' });
		const raterA = (await rating.raterFromToken(database.db, a.token))!;
		const raterB = (await rating.raterFromToken(database.db, b.token))!;
		const orderA = (await rating.currentRound(database.db, raterA))!;
		const orderB = (await rating.currentRound(database.db, raterB))!;
		expect(orderA.total).toBe(28);
		expect(orderA.slots.map((s) => s.code)).not.toEqual(orderB.slots.map((s) => s.code));

		// Blinding: nothing a rater receives names a checkpoint, its id or its files.
		const cps = await database.db.select().from(schema.checkpoints);
		const secrets = cps
			.flatMap((c) => [c.name, c.id, c.manifestPath ?? '', c.outputsPath ?? ''])
			.filter(Boolean);
		const given: { code: string; dimension: string; score: number }[] = [];
		for (const slot of orderA.slots) {
			const view = await rating.item(database.db, raterA, slot.code);
			const text = JSON.stringify(view);
			for (const s of secrets) expect(text).not.toContain(s);
			for (const [i, d] of view.form.dimensions.entries()) {
				const score = ((slot.position + i) % 4) + 1;
				await rating.saveScore(database.db, raterA, slot.code, d.key, score);
				given.push({ code: slot.code, dimension: d.key, score });
			}
		}
		// Saving the same score again is a no-op.
		const again = await rating.saveScore(
			database.db,
			raterA,
			given[0]!.code,
			given[0]!.dimension,
			given[0]!.score
		);
		expect(again.changed).toBe(false);
		await expect(
			rating.saveScore(database.db, raterA, given[0]!.code, 'diagnosis', 5)
		).rejects.toBeInstanceOf(ValidationError);
		expect((await rating.currentRound(database.db, raterA))!.resumeCode).toBeNull();

		// Before unblinding the export holds no checkpoint identity.
		const blind = await exportsService.longRows(database.db, CLI, round.id);
		expect(blind).toHaveLength(given.length);
		expect(blind.every((r) => r.checkpoint === null)).toBe(true);
		await expect(exportsService.meanTable(database.db, CLI, round.id)).rejects.toBeInstanceOf(
			ConflictError
		);
		await rounds.transition(database.db, CLI, round.id, 'locked');
		await expect(
			rating.saveScore(database.db, raterB, orderB.slots[0]!.code, 'diagnosis', 3)
		).rejects.toBeInstanceOf(ConflictError);
		await expect(rounds.transition(database.db, CLI, round.id, 'open')).rejects.toBeInstanceOf(
			ConflictError
		);
		await optOutForTest(database.db, round.id);
		await rounds.transition(database.db, CLI, round.id, 'unblinded');

		const rows = await exportsService.longRows(database.db, CLI, round.id);
		expect(rows).toHaveLength(given.length);
		const got = rows.map((r) => `${r.item_code}/${r.dimension}/${r.score}`).sort();
		expect(got).toEqual(given.map((g) => `${g.code}/${g.dimension}/${g.score}`).sort());
		expect(new Set(rows.map((r) => r.rater))).toEqual(new Set(['R01']));
		const csv = await exportsService.longCsv(database.db, CLI, round.id);
		expect(csv.split('\r\n')[0]).toBe(
			'study,round,rater,case_id,item_code,repeat_of,checkpoint,position,dimension,score,comment,item_comment,seconds_on_item,rated_at,updated_at'
		);

		const table = await exportsService.meanTable(database.db, CLI, round.id);
		expect(table.checkpoints).toEqual(['llama3-8b-instruct', 'llama3-8b-qlora-letters']);
		const expected = (cp: string, dim: string) => {
			const xs = rows
				.filter((r) => r.checkpoint === cp && r.dimension === dim)
				.map((r) => Number(r.score));
			return xs.reduce((s, x) => s + x, 0) / xs.length;
		};
		for (const cell of table.cells)
			expect(cell.mean).toBeCloseTo(expected(cell.group, cell.dimension), 12);
	});
});
