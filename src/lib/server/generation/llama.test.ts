// Over 300 lines: the tests of llama.ts, beside it.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
	parseCheckpointManifest,
	renderPrompt,
	type CheckpointManifest
} from '../../domain/checkpoint-manifest';
import { readGgufFileInfo } from 'node-llama-cpp';
import { encodeGguf, gguf, writeGguf } from './gguf-writer';
import {
	preflightModel,
	runGeneration,
	type GenerationRequest,
	type GenerationResult
} from './llama';
import {
	TINY_ADAPTER_FILE,
	TINY_MODEL_FILE,
	buildTinyModel,
	writeTinyManifests
} from './tiny-model';

// getLlama alone takes up to 3 s on a busy 2-core machine; each run also loads the model.
const SLOW = 30_000;

const CASES = [
	{
		diagnosis: 'Prostate adenocarcinoma',
		tnm: 'cT2a N0 M0',
		radiotherapy: { modality: 'photon', total_dose_gy: 60, fractions: 20 }
	},
	{
		diagnosis: 'Breast carcinoma',
		tnm: 'pT1c N0 M0',
		radiotherapy: { modality: 'photon', total_dose_gy: 40, fractions: 15 }
	},
	{
		diagnosis: 'Rectal adenocarcinoma',
		tnm: 'cT3 N1 M0',
		radiotherapy: { modality: 'proton', total_dose_gy: 25, fractions: 5 }
	}
];

let dir: string;
let base: CheckpointManifest;
let lora: CheckpointManifest;

async function loadManifest(path: string): Promise<CheckpointManifest> {
	return parseCheckpointManifest(parse(await readFile(path, 'utf8')), path);
}

function requestsFor(manifest: CheckpointManifest): GenerationRequest[] {
	return CASES.map((source, i) => ({
		key: `case-${i}`,
		prompt: renderPrompt(manifest.promptTemplate, `case-${i}`, source)
	}));
}

async function generate(
	manifest: CheckpointManifest,
	requests = requestsFor(manifest),
	signal?: AbortSignal
): Promise<GenerationResult[]> {
	const results: GenerationResult[] = [];
	await runGeneration(manifest, dir, requests, {
		signal,
		onResult: async (r) => {
			results.push(r);
		}
	});
	// Completion order depends on scheduling; compare by request.
	return results.sort((a, b) => a.key.localeCompare(b.key));
}

beforeAll(async () => {
	dir = await mkdtemp(join(tmpdir(), 'blindeval-llama-'));
	await buildTinyModel({ seed: 1234, dir });
	const { baseManifestPath, loraManifestPath } = await writeTinyManifests(dir);
	base = await loadManifest(baseManifestPath);
	lora = await loadManifest(loraManifestPath);
});

afterAll(async () => {
	await rm(dir, { recursive: true, force: true });
});

describe('gguf writer', () => {
	it('writes every metadata type and F32 tensors that node-llama-cpp reads back', async () => {
		const path = join(dir, 'all-types.gguf');
		const data = Float32Array.from({ length: 6 }, (_, i) => i / 4);
		await writeGguf(path, {
			metadata: {
				'general.architecture': gguf.string('llama'),
				't.u8': { type: 'u8', value: 250 },
				't.i8': { type: 'i8', value: -5 },
				't.u16': { type: 'u16', value: 65000 },
				't.i16': { type: 'i16', value: -30000 },
				't.u32': gguf.u32(4_000_000_000),
				't.i32': gguf.i32(-2_000_000_000),
				't.f32': gguf.f32(0.5),
				't.bool': gguf.bool(true),
				't.string': gguf.string('héllo ▁world'),
				't.u64': { type: 'u64', value: 2n ** 40n },
				't.i64': { type: 'i64', value: -(2n ** 40n) },
				't.f64': { type: 'f64', value: Math.PI },
				't.strings': gguf.strings(['a', '', '<|im_end|>']),
				't.f32s': gguf.f32s([1.5, -2]),
				't.i32s': gguf.i32s([1, -1])
			},
			tensors: [
				{ name: 'a', shape: [3, 2], data },
				{ name: 'b', shape: [1], data: Float32Array.of(7) }
			]
		});
		const info = await readGgufFileInfo(path);
		expect(info.version).toBe(3);
		const t = (info.metadata as unknown as { t: Record<string, unknown> }).t;
		expect(t).toMatchObject({
			u8: 250,
			i8: -5,
			u16: 65000,
			i16: -30000,
			u32: 4_000_000_000,
			i32: -2_000_000_000,
			f32: 0.5,
			bool: true,
			string: 'héllo ▁world',
			f64: Math.PI,
			strings: ['a', '', '<|im_end|>'],
			f32s: [1.5, -2],
			i32s: [1, -1]
		});
		expect(BigInt(t.u64 as number | bigint)).toBe(2n ** 40n);
		expect(BigInt(t.i64 as number | bigint)).toBe(-(2n ** 40n));
		expect(
			info.tensorInfo?.map((x) => [x.name, x.dimensions.map(Number), Number(x.offset)])
		).toEqual([
			['a', [3, 2], 0],
			['b', [1], 32]
		]);
		// Tensor data starts at a 32-byte boundary after the header.
		const bytes = await readFile(path);
		const start = Number(info.tensorInfo?.[0]?.fileOffset);
		expect(start % 32).toBe(0);
		const read = new Float32Array(
			bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + start + 24)
		);
		expect(read).toEqual(data);
	});

	it('rejects a tensor whose data does not match its shape', () => {
		expect(() =>
			encodeGguf({
				metadata: {},
				tensors: [{ name: 'x', shape: [2, 2], data: new Float32Array(3) }]
			})
		).toThrow('tensor x: shape [2, 2] needs 4 values, got 3');
	});
});

describe('tiny model', () => {
	it('writes byte-identical files for the same seed and different ones for another', async () => {
		const again = join(dir, 'again');
		const other = join(dir, 'other');
		await buildTinyModel({ seed: 1234, dir: again });
		await buildTinyModel({ seed: 99, dir: other });
		for (const file of [TINY_MODEL_FILE, TINY_ADAPTER_FILE]) {
			const first = await readFile(join(dir, file));
			expect((await readFile(join(again, file))).equals(first)).toBe(true);
			expect((await readFile(join(other, file))).equals(first)).toBe(false);
		}
	});

	it('passes preflight, and its manifests match the schema', async () => {
		const info = await preflightModel(join(dir, TINY_MODEL_FILE));
		expect(info.metadata.general.architecture).toBe('llama');
		await preflightModel(join(dir, TINY_ADAPTER_FILE), 'adapter');
		expect(lora.adapters).toEqual([{ path: TINY_ADAPTER_FILE, scale: 1 }]);
		expect(base.sampling).toMatchObject({ temperature: 0, maxTokens: 40, seed: 42 });
	});
});

describe('preflightModel', () => {
	it('rejects a file that is not GGUF, naming it', async () => {
		const path = join(dir, 'not-a-model.gguf');
		await writeFile(path, 'this is plain text, not a GGUF file');
		await expect(preflightModel(path)).rejects.toThrow(path);
		await expect(preflightModel(path)).rejects.toThrow(/not a valid GGUF/);
	});

	it('rejects a missing file and a llama GGUF that would abort llama.cpp', async () => {
		await expect(preflightModel(join(dir, 'missing.gguf'))).rejects.toThrow(
			/missing\.gguf.*ENOENT/
		);
		const path = join(dir, 'no-hparams.gguf');
		await writeFile(
			path,
			encodeGguf({ metadata: { 'general.architecture': gguf.string('llama') }, tensors: [] })
		);
		await expect(preflightModel(path)).rejects.toThrow(/llama\.feed_forward_length/);
	});
});

describe('runGeneration', () => {
	let first: GenerationResult[];

	it(
		'generates one result per request with parallel sequences',
		async () => {
			expect(base.parallel).toBe(2);
			first = await generate(base);
			expect(first.map((r) => r.key)).toEqual(['case-0', 'case-1', 'case-2']);
			for (const r of first) {
				expect(r.error).toBeUndefined();
				expect(r.text.trim()).not.toBe('');
				expect(r.promptTokens).toBeGreaterThan(0);
				expect(r.completionTokens).toBeGreaterThan(0);
				expect(r.completionTokens).toBeLessThanOrEqual(40);
				expect(['stop', 'length']).toContain(r.finishReason);
				expect(r.seed).toBe(42);
				expect(r.timeToFirstTokenMs).toBeGreaterThan(0);
				// The chat template was applied: the prompt the model saw is ChatML around ours.
				expect(r.renderedPrompt).toContain('<|im_start|>user\nWrite a letter');
				expect(r.renderedPrompt).toContain(base.systemPrompt);
				expect(r.renderedPrompt.endsWith('<|im_start|>assistant\n')).toBe(true);
			}
		},
		SLOW
	);

	it(
		'is deterministic with greedy decoding',
		async () => {
			const second = await generate(base);
			expect(second.map((r) => r.text)).toEqual(first.map((r) => r.text));
			expect(second.map((r) => r.completionTokens)).toEqual(first.map((r) => r.completionTokens));
		},
		SLOW
	);

	it(
		'changes the output when the LoRA adapter is applied',
		async () => {
			const adapted = await generate(lora);
			expect(adapted.map((r) => r.text)).not.toEqual(first.map((r) => r.text));
		},
		SLOW
	);

	it(
		'honours stop strings, raw completion and per-request errors',
		async () => {
			const reference = first[0] as GenerationResult;
			const stop = reference.text.trim().split(' ')[2] as string;
			const [stopped] = await generate(
				{ ...base, parallel: 1, sampling: { ...base.sampling, stop: [stop] } },
				requestsFor(base).slice(0, 1)
			);
			expect(stopped?.finishReason).toBe('stop');
			expect(stopped?.text).toBe(reference.text.slice(0, reference.text.indexOf(stop)));

			const [raw] = await generate(
				{ ...base, chatTemplate: 'none' },
				requestsFor(base).slice(0, 1)
			);
			expect(raw?.renderedPrompt.startsWith('<s>You are a radiation oncologist')).toBe(true);
			expect(raw?.renderedPrompt).not.toContain('<|im_start|>');

			// The tiny vocabulary spells most prompt text byte by byte, so 600 characters cannot
			// fit the 512-token context; the other request in the run must still succeed.
			const mixed = await generate(base, [
				{ key: 'a-long', prompt: 'x'.repeat(600) },
				...requestsFor(base).slice(0, 1)
			]);
			expect(mixed.map((r) => r.finishReason)).toEqual(['error', first[0]?.finishReason]);
			expect(mixed[0]?.error).toMatch(/prompt has \d+ tokens but contextSize is 512/);
			expect(mixed[0]?.completionTokens).toBe(0);
			expect(mixed[1]?.text).toBe(reference.text);
		},
		SLOW
	);

	it(
		"fails a bad adapter with llama.cpp's logged cause",
		async () => {
			const path = join(dir, 'wrong-shape-lora.gguf');
			await writeFile(
				path,
				encodeGguf({
					metadata: {
						'general.architecture': gguf.string('llama'),
						'general.type': gguf.string('adapter'),
						'adapter.type': gguf.string('lora'),
						'adapter.lora.alpha': gguf.f32(8)
					},
					tensors: [
						{ name: 'blk.0.attn_q.weight.lora_a', shape: [32, 4], data: new Float32Array(128) },
						{ name: 'blk.0.attn_q.weight.lora_b', shape: [4, 64], data: new Float32Array(256) }
					]
				})
			);
			await expect(
				generate({ ...base, adapters: [{ path: 'wrong-shape-lora.gguf', scale: 1 }] })
			).rejects.toThrow(/wrong-shape-lora\.gguf.*incorrect shape/);
		},
		SLOW
	);

	it(
		'stops on abort without reporting unfinished requests',
		async () => {
			const controller = new AbortController();
			const results: GenerationResult[] = [];
			const many = Array.from({ length: 6 }, (_, i) => ({ key: `k${i}`, prompt: `case ${i}` }));
			await expect(
				runGeneration({ ...base, parallel: 1 }, dir, many, {
					signal: controller.signal,
					onResult: async (r) => {
						results.push(r);
						controller.abort();
					}
				})
			).rejects.toThrow(/abort/i);
			expect(results.map((r) => r.key)).toEqual(['k0']);
		},
		SLOW
	);
});
