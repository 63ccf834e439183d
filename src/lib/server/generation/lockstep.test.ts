/**
 * lockstep.ts reaches into node-llama-cpp 3.22 internals. On the real library and the tiny
 * model: they are all there now, and when one is gone (as an upgrade might do) attach() fails
 * naming it, instead of decoding out of phase or failing somewhere inside the library.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LlamaContext, LlamaModel } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLlamaInstance } from './llama';
import { LockStep, missingInternals } from './lockstep';
import { TINY_MODEL_FILE, buildTinyModel } from './tiny-model';

let dir: string;
let model: LlamaModel;

beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), 'blindeval-lockstep-'));
	await buildTinyModel({ seed: 1234, dir });
	const llama = await getLlamaInstance();
	model = await llama.loadModel({ modelPath: join(dir, TINY_MODEL_FILE), gpuLayers: 0 });
}, 30_000);

afterAll(async () => {
	await model?.dispose();
	await rm(dir, { recursive: true, force: true });
});

async function withContext(use: (context: LlamaContext) => void | Promise<void>) {
	const context = await model.createContext({ contextSize: 256, sequences: 2, threads: 1 });
	try {
		await use(context);
	} finally {
		await context.dispose();
	}
}

describe('lock-step internals of node-llama-cpp', () => {
	it('finds every internal it needs in the installed node-llama-cpp', async () => {
		await withContext((context) => {
			// If this fails after an upgrade, the message names what changed: see lockstep.ts.
			expect(missingInternals(context)).toEqual([]);
			expect(() => new LockStep().attach(context, 2)).not.toThrow();
		});
	});

	it('refuses to attach when an internal is gone, naming it', async () => {
		await withContext((context) => {
			const internals = context as unknown as Record<string, unknown>;
			const decodeTokens = internals._decodeTokens;
			internals._decodeTokens = undefined;
			try {
				expect(() => new LockStep().attach(context, 2)).toThrow(
					/node-llama-cpp 3\.22 internals that this version lacks: LlamaContext\._decodeTokens \(/
				);
			} finally {
				internals._decodeTokens = decodeTokens;
			}
			const native = internals._ctx;
			internals._ctx = { addToBatch: () => 0 };
			try {
				expect(missingInternals(context)).toEqual(['LlamaContext._ctx.decodeBatch (native)']);
			} finally {
				internals._ctx = native;
			}
		});
	});
});
