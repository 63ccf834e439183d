/**
 * The generation job on the real tiny model, on both databases: determinism, the LoRA adapter
 * path, preflight failures that write nothing (including a GPU asked for where there is none),
 * the plan line and the provenance of what ran, lock-step batches of parallel sequences (counted
 * at llama.cpp's decode calls) with early stops and cancellation, resume after `kill -9`, and
 * (PostgreSQL) two workers sharing one study with every output computed exactly once.
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
import { fullStepShare, type StepHistogram } from '../../src/lib/server/generation/lockstep';
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
			gpuLayers: 0,
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
			'a layer count on a machine without a GPU',
			() => ({ x: { gpu: 2 } }),
			/gpu: asks for 2 layers on the GPU but no GPU was found \(backend cpu\): set gpu to auto .* or off/
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

	it('records where and how each output was computed, and prints the plan first', async () => {
		// The premise of the check: the CUDA build is installed, but this machine has no GPU.
		expect(fs.existsSync(path.resolve('node_modules/@node-llama-cpp/linux-x64-cuda'))).toBe(true);
		const dir = await writeGenStudy(path.join(root, 'prov'), {
			cases: 6,
			checkpoints: { prov: { parallel: 2 } }
		});
		const events: string[] = [];
		await generateStudy(database.db, CLI, loadStudy(dir), {
			onPlan: (line) => events.push(line),
			onProgress: (p) => events.push(`progress ${p.done}/${p.total} eta ${p.etaSeconds}`)
		});
		const plan = events.findIndex((e) => e.startsWith('Plan'));
		expect(events[plan]).toMatch(
			/^Plan for "prov": cpu on CPU.*, 0 of 3 layers on the GPU, VRAM 0 B needed, 0 B free, 1 thread, 2 sequences × 1024 tokens of context, batch 512, 6 outputs, estimated ≤ \d+ s left$/
		);
		// Printed before any output was done; the progress that follows starts from its estimate.
		expect(events.slice(0, plan).every((e) => e.startsWith('progress 0/'))).toBe(true);
		expect(events[plan + 1]).toMatch(/^progress 0\/6 eta \d/);
		const rows = await outputsOf(database, 'prov');
		expect(rows.map((r) => r.provenance)).toEqual(
			rows.map(() =>
				expect.objectContaining({
					backend: 'cpu',
					library: 'cpu',
					device: expect.stringMatching(/^CPU/),
					gpuLayers: 0,
					totalLayers: 3,
					threads: 1,
					sequences: 2,
					batchSize: 512,
					contextSize: 1024,
					nodeLlamaCppVersion: expect.stringMatching(/^3\./),
					llamaCppRelease: expect.any(String),
					modelSha256: expect.stringMatching(/^[0-9a-f]{64}$/)
				})
			)
		);
	});

	it('decodes 4 sequences in lock-step, with the texts of 1 sequence, through early stops', async () => {
		// The stop string ends outputs early at different points: slots free up out of phase.
		const settings = { maxTokens: 32, stop: ['metastasis metastasis'] };
		const dir = await writeGenStudy(path.join(root, 'lockstep'), {
			cases: 16,
			checkpoints: { four: { ...settings, parallel: 4 }, one: { ...settings, parallel: 1 } }
		});
		const steps: Record<string, StepHistogram> = {};
		for (const checkpoint of ['four', 'one'])
			await generateStudy(database.db, CLI, loadStudy(dir), {
				checkpoint,
				onRun: (s) => (steps[checkpoint] = s.steps)
			});
		const four = await outputsOf(database, 'four');
		const one = await outputsOf(database, 'one');
		expect(four).toHaveLength(16);
		expect(four.every((o) => o.status === 'done' && o.attempts === 1)).toBe(true);
		expect(new Set(four.map((o) => o.finishReason))).toEqual(new Set(['stop', 'length']));
		expect(four.map((o) => o.rawText)).toEqual(one.map((o) => o.rawText));
		// While 4 slots were live (at least 4 outputs left), steps carried a token of each.
		expect(fullStepShare(steps.four!, 4)).toBeGreaterThanOrEqual(0.9);
		expect(steps.one).toEqual({ '1:1': expect.any(Number) });
		// One decode step per generated token of the slowest slot, not one per token.
		const tokens = four.reduce((n, o) => n + o.completionTokens!, 0);
		const total = Object.values(steps.four!).reduce((n, c) => n + c, 0);
		expect(total).toBeLessThan(tokens / 3);
	});

	it('loses and doubles nothing when cancelled in the middle of a batch', async () => {
		const dir = await writeGenStudy(path.join(root, 'cancel'), {
			cases: 16,
			checkpoints: { ref: { maxTokens: 48, parallel: 4 }, cut: { maxTokens: 48, parallel: 4 } }
		});
		await generateStudy(database.db, CLI, loadStudy(dir), { checkpoint: 'ref' });
		const controller = new AbortController();
		const cut = await generateStudy(database.db, CLI, loadStudy(dir), {
			checkpoint: 'cut',
			signal: controller.signal,
			onProgress: (p) => {
				if (p.done >= 3) controller.abort(new Error('test cancel'));
			}
		});
		expect(cut.cancelled).toBe(true);
		const before = (await outputsOf(database, 'cut')).filter((o) => o.status === 'done');
		expect(before.length).toBeGreaterThanOrEqual(3);
		expect(before.length).toBeLessThan(16);
		expect((await outputsOf(database, 'cut')).some((o) => o.status === 'running')).toBe(false);

		const resumed = await generateStudy(database.db, CLI, loadStudy(dir), { checkpoint: 'cut' });
		expect(resumed.done).toBe(16 - before.length);
		const after = await outputsOf(database, 'cut');
		expect(after.every((o) => o.status === 'done')).toBe(true);
		for (const o of before)
			expect(after.find((a) => a.id === o.id)!.provenance!.generatedAt).toBe(
				o.provenance!.generatedAt
			);
		const ref = await outputsOf(database, 'ref');
		expect(after.map((o) => o.rawText)).toEqual(ref.map((o) => o.rawText));
	});

	it('refuses BLINDEVAL_GPU=cuda on a machine without CUDA before writing anything', async () => {
		const shared = await target.createShared();
		try {
			const dir = await writeGenStudy(path.join(root, 'cuda'), {
				cases: 2,
				checkpoints: { cuda: {} }
			});
			const run = await runCli(['generate', dir], { ...shared.env, BLINDEVAL_GPU: 'cuda' });
			expect(run.code).not.toBe(0);
			expect(run.stderr).toMatch(
				/BLINDEVAL_GPU: is "cuda" but that backend cannot be loaded on this machine .*unset BLINDEVAL_GPU/
			);
			const db = await shared.open();
			expect(await db.db.select({ n: count() }).from(schema.studies)).toEqual([{ n: 0 }]);
			await db.close();
		} finally {
			await shared.drop();
		}
	});

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
