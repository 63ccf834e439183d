/**
 * The generation job on the real tiny model, on both databases: determinism, the LoRA adapter
 * path, preflight failures that write nothing, resume after `kill -9`, and (PostgreSQL) two
 * workers sharing one study with every output computed exactly once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/lib/errors';
import { CLI } from '../../src/lib/server/auth/actors';
import { readConfig } from '../../src/lib/server/config';
import type { Database } from '../../src/lib/server/db';
import * as schema from '../../src/lib/server/db/schema';
import { encodeGguf, gguf } from '../../src/lib/server/generation/gguf-writer';
import { generateStudy } from '../../src/lib/server/generation/job';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { TEST_DATABASES } from '../support/databases';
import { buildTinyModelOnce } from '../support/fixtures';
import { lastProgress, runCli, writeGenStudy } from '../support/gen-study';

async function outputsOf(database: Database, checkpoint: string) {
	const rows = await database.db
		.select({ o: schema.outputs, caseId: schema.cases.externalId })
		.from(schema.outputs)
		.innerJoin(schema.checkpoints, eq(schema.checkpoints.id, schema.outputs.checkpointId))
		.innerJoin(schema.cases, eq(schema.cases.id, schema.outputs.caseId))
		.where(eq(schema.checkpoints.name, checkpoint))
		.orderBy(schema.cases.externalId);
	return rows.map((r) => ({ ...r.o, caseExternalId: r.caseId }));
}

/** A LoRA adapter GGUF whose shapes fit a model with another embedding size (32, not 64). */
function foreignAdapter(file: string) {
	const a = new Float32Array(32 * 4).fill(0.01);
	const b = new Float32Array(4 * 32).fill(0.01);
	fs.writeFileSync(
		file,
		encodeGguf({
			metadata: {
				'general.architecture': gguf.string('llama'),
				'general.type': gguf.string('adapter'),
				'adapter.type': gguf.string('lora'),
				'adapter.lora.alpha': gguf.f32(8)
			},
			tensors: [
				{ name: 'blk.0.attn_q.weight.lora_a', shape: [32, 4], data: a },
				{ name: 'blk.0.attn_q.weight.lora_b', shape: [4, 32], data: b }
			]
		})
	);
}

describe.each(TEST_DATABASES)('generation on $name', (target) => {
	let database: Database;
	let root: string;
	let tiny: string;

	beforeAll(async () => {
		database = await target.create();
		root = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-gen-'));
		tiny = await buildTinyModelOnce();
	});
	afterAll(async () => {
		await database?.close();
		if (root) fs.rmSync(root, { recursive: true, force: true });
	});

	it('is deterministic, and the LoRA adapter changes the output', async () => {
		const dir = await writeGenStudy(path.join(root, 'det'), {
			cases: 6,
			checkpoints: {
				tiny: {},
				'tiny-lora': { adapters: [{ path: path.join(tiny, 'tiny-random-lora.gguf') }] }
			}
		});
		expect(await generateStudy(database.db, CLI, loadStudy(dir))).toEqual({
			done: 12,
			errors: 0,
			cancelled: false
		});
		const first = await outputsOf(database, 'tiny');
		const lora = await outputsOf(database, 'tiny-lora');
		expect(first.every((o) => o.status === 'done' && o.attempts === 1)).toBe(true);
		expect(lora.some((o, i) => o.text !== first[i]!.text)).toBe(true);
		expect(lora[0]!.provenance).toMatchObject({
			adapters: [{ scale: 1, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }],
			backend: 'cpu',
			sampling: { temperature: 0, seed: 42 },
			renderedPromptSha256: expect.stringMatching(/^[0-9a-f]{64}$/)
		});
		expect(String(lora[0]!.provenance!.renderedPrompt)).toContain('Letter for G-001');

		await generateStudy(database.db, CLI, loadStudy(dir), { checkpoint: 'tiny', force: true });
		const again = await outputsOf(database, 'tiny');
		expect(again.map((o) => o.rawText)).toEqual(first.map((o) => o.rawText));
		expect(again.map((o) => o.promptTokens)).toEqual(first.map((o) => o.promptTokens));
	});

	const broken: [string, (dir: string) => Record<string, object>, RegExp][] = [
		[
			'a missing model file',
			() => ({ x: { model: 'nope.gguf' } }),
			/model file .*nope\.gguf cannot be read: ENOENT/
		],
		[
			'a corrupt GGUF',
			(dir) => {
				fs.writeFileSync(path.join(dir, 'corrupt.gguf'), Buffer.from('GGUF this is not a model'));
				return { x: { model: path.join(dir, 'corrupt.gguf') } };
			},
			/corrupt\.gguf is not a valid GGUF file/
		],
		[
			'an adapter for another model',
			(dir) => {
				foreignAdapter(path.join(dir, 'foreign-lora.gguf'));
				return { x: { adapters: [{ path: path.join(dir, 'foreign-lora.gguf') }] } };
			},
			/foreign-lora\.gguf does not fit model .*expects input size 32, the model's blk\.0\.attn_q\.weight has 64/
		],
		[
			'an unknown template field',
			() => ({ x: { promptTemplate: 'Write about {{histology}}' } }),
			/case G-001: unknown field "histology" in prompt template/
		],
		[
			'a context too small',
			() => ({ x: { contextSize: 64, maxTokens: 40 } }),
			/contextSize: is 64 tokens, but the longest prompt \(case G-\d+\) has \d+ tokens and maxTokens is 40/
		]
	];
	it.each(broken)(
		'refuses %s in preflight with its own message and writes nothing',
		async (label, make, message) => {
			const base = path.join(root, label.replace(/\W+/g, '-'));
			fs.mkdirSync(base, { recursive: true });
			const dir = await writeGenStudy(base, { cases: 3, checkpoints: make(base) });
			const before = await database.db.select({ n: count() }).from(schema.studies);
			// The broken weights lie beside the study folder: named as a weights folder (another disk).
			const places = { ...readConfig(), weightsDirs: [base] };
			const error = await generateStudy(database.db, CLI, loadStudy(dir, { places })).then(
				() => null,
				(e: unknown) => e
			);
			expect(error).toBeInstanceOf(ValidationError);
			expect((error as Error).message).toMatch(message);
			expect(await database.db.select({ n: count() }).from(schema.studies)).toEqual(before);
		}
	);

	it('resumes after kill -9 with no duplicate and no lost output', async () => {
		const shared = await target.createShared();
		try {
			const dir = await writeGenStudy(path.join(root, 'kill'), {
				cases: 8,
				checkpoints: { slow: { maxTokens: 200, parallel: 1, contextSize: 1024 } }
			});
			const args = ['generate', dir, '--lease', '30'];
			const killed = await runCli(args, shared.env, (err) => (lastProgress(err)?.done ?? 0) >= 2);
			expect(killed.signal, killed.stderr).toBe('SIGKILL');

			let db = await shared.open();
			const before = (await outputsOf(db, 'slow')).filter((o) => o.status === 'done');
			expect(before.length).toBeGreaterThanOrEqual(2);
			expect(before.length).toBeLessThan(8);
			await db.close();

			const resumed = await runCli(args, shared.env);
			expect(resumed.code, resumed.stderr).toBe(0);
			expect(resumed.stdout).toMatch(new RegExp(`Generated ${8 - before.length} output`));

			db = await shared.open();
			const after = await outputsOf(db, 'slow');
			expect(after).toHaveLength(8);
			expect(after.every((o) => o.status === 'done')).toBe(true);
			// What was written before the kill was kept, not recomputed.
			for (const o of before) {
				const now = after.find((a) => a.id === o.id)!;
				expect(now.provenance!.generatedAt).toBe(o.provenance!.generatedAt);
				expect(now.attempts).toBe(1);
			}
			const jobs = await db.db.select().from(schema.generationJobs);
			expect(jobs.map((j) => j.status).sort()).toEqual(['done', 'interrupted']);
			await db.close();
		} finally {
			await shared.drop();
		}
	});
});

// Several workers need a server database: PGlite allows one process at a time by design.
describe('two generate workers on one PostgreSQL', () => {
	const target = TEST_DATABASES.find((d) => d.name === 'postgres')!;
	let root: string;
	beforeAll(() => {
		root = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-gen2-'));
	});
	afterAll(() => {
		if (root) fs.rmSync(root, { recursive: true, force: true });
	});

	it('shares one study between two workers: every output computed exactly once', async () => {
		const shared = await target.createShared();
		try {
			const dir = await writeGenStudy(path.join(root, 'two'), {
				cases: 30,
				checkpoints: { shared: { maxTokens: 200, parallel: 1 } }
			});
			const setup = await runCli(['import', dir], shared.env);
			expect(setup.code, setup.stderr).toBe(0);
			const [a, b] = await Promise.all([
				runCli(['generate', dir], shared.env),
				runCli(['generate', dir], shared.env)
			]);
			expect(a.code, a.stderr).toBe(0);
			expect(b.code, b.stderr).toBe(0);
			const db = await shared.open();
			const rows = await outputsOf(db, 'shared');
			await db.close();
			expect(rows).toHaveLength(30);
			expect(rows.every((o) => o.status === 'done' && o.attempts === 1)).toBe(true);
			const workers = new Set(rows.map((o) => o.provenance!.worker));
			expect(workers.size).toBe(2);
			const doneA = Number(/Generated (\d+)/.exec(a.stdout)![1]);
			const doneB = Number(/Generated (\d+)/.exec(b.stdout)![1]);
			expect(doneA + doneB).toBe(30);
		} finally {
			await shared.drop();
		}
	});
});
