// Over 300 lines: one model writer: vocabulary, tensors and adapter from one seed, in one pass.
/**
 * A tiny random-weight llama GGUF (about 0.5 MB) and a LoRA adapter for it, written in
 * milliseconds from a seed. Tests and the demo run real llama.cpp generation on them without
 * downloading anything. Same seed, same bytes: nothing time- or machine-dependent goes in.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Document, Scalar } from 'yaml';
import type { CheckpointManifestInput } from '../../domain/checkpoint-manifest';
import { gguf, writeGguf, type GgufTensor } from './gguf-writer';

export const TINY_MODEL_FILE = 'tiny-random.gguf';
export const TINY_ADAPTER_FILE = 'tiny-random-lora.gguf';
export const TINY_MANIFEST_FILE = 'tiny-random.yaml';
export const TINY_LORA_MANIFEST_FILE = 'tiny-random-lora.yaml';

const EMBD = 64;
const HEADS = 4;
const FF = 176;
const LAYERS = 2;
const CONTEXT_LENGTH = 2048;
const LORA_RANK = 4;
const LORA_ALPHA = 8;

// Token types from llama.cpp's llama_token_type.
const NORMAL = 1;
const UNKNOWN = 2;
const CONTROL = 3;
const BYTE = 6;

const WORDS =
	`dear doctor colleague patient thank you for referring mr mrs ms the a an and or of to in
with on at by from this that was is are be been has have had will would we our his her their
he she it they who which as not no yes after before during under over about per further
radiotherapy radiation treatment therapy plan planning course dose doses gy fraction fractions
daily weekly week weeks total boost photon photons proton protons electron brachytherapy imrt
vmat sbrt stereotactic image guided cone beam ct mri pet scan simulation contour target volume
ctv ptv gtv organ organs risk rectum bladder bowel lung lungs heart spinal cord oesophagus skin
tumour tumor cancer carcinoma adenocarcinoma squamous cell metastasis metastases node nodes
nodal lymph prostate breast left right head neck rectal cervix brain bone primary local regional
stage grade gleason psa tnm histology biopsy diagnosis diagnosed staging curative palliative
intent adjuvant neoadjuvant definitive concurrent chemotherapy hormone androgen deprivation
surgery resection mastectomy lumpectomy prostatectomy well tolerated toxicity toxicities acute
late side effects fatigue erythema dermatitis diarrhoea cystitis mucositis nausea pain mild
moderate severe no grade completed started commenced planned recommend recommended follow up
review clinic months month year years appointment kind regards sincerely yours consultant
oncologist department`
		.split(/\s+/)
		.filter((w, i, all) => w && all.indexOf(w) === i);

const PIECES = ['▁', '.', ',', ':', ';', '-', '/', '(', ')', '%', ...'0123456789'.split('')].concat(
	'0123456789'.split('').map((d) => `▁${d}`)
);

interface Vocabulary {
	tokens: string[];
	types: number[];
	scores: number[];
	bos: number;
	eos: number;
	imStart: number;
	/** How strongly the random output layer favours each token (see outputScale). */
	outputScale: number[];
}

/**
 * SentencePiece-style vocabulary per FACTS.md: <unk>, <s>, </s>, 256 byte-fallback tokens, the
 * ChatML control tokens, then ▁-prefixed words and digit/punctuation pieces with descending
 * scores. Words have no prefix pieces, so prompts tokenize mostly into byte tokens; that is fine
 * for a model whose only job is to be loaded and sampled.
 */
function buildVocabulary(): Vocabulary {
	const tokens: string[] = ['<unk>', '<s>', '</s>'];
	const types: number[] = [UNKNOWN, CONTROL, CONTROL];
	for (let b = 0; b < 256; b++) {
		tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
		types.push(BYTE);
	}
	const imStart = tokens.push('<|im_start|>') - 1;
	const imEnd = tokens.push('<|im_end|>') - 1;
	types.push(CONTROL, CONTROL);
	for (const piece of [...WORDS.map((w) => `▁${w}`), ...PIECES]) {
		tokens.push(piece);
		types.push(NORMAL);
	}
	const scores = tokens.map((_t, i) => (types[i] === NORMAL ? -i : 0));
	// Random logits pick uniformly among tokens; scaling output rows makes greedy text mostly
	// words (bytes would decode to broken UTF-8) with the occasional newline and end of turn.
	const newline = tokens.indexOf('<0x0A>');
	const outputScale = tokens.map((_t, i) => {
		if (types[i] === NORMAL) return 3;
		if (i === newline) return 2.5;
		if (i === imEnd) return 2;
		return 0.2;
	});
	return { tokens, types, scores, bos: 1, eos: imEnd, imStart, outputScale };
}

const CHATML_TEMPLATE =
	"{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
	"{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** mulberry32: a 32-bit seeded PRNG; tiny, fast, and identical on every platform. */
function mulberry32(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** Standard normal samples by Box–Muller over mulberry32. */
function gaussian(seed: number): () => number {
	const uniform = mulberry32(seed);
	let spare: number | null = null;
	return () => {
		if (spare !== null) {
			const s = spare;
			spare = null;
			return s;
		}
		// 1 - u keeps the argument of log in (0, 1].
		const r = Math.sqrt(-2 * Math.log(1 - uniform()));
		const theta = 2 * Math.PI * uniform();
		spare = r * Math.sin(theta);
		return r * Math.cos(theta);
	};
}

function normal(rand: () => number, count: number, std: number): Float32Array {
	const data = new Float32Array(count);
	for (let i = 0; i < count; i++) data[i] = rand() * std;
	return data;
}

function matrix(rand: () => number, name: string, nIn: number, nOut: number): GgufTensor {
	return { name, shape: [nIn, nOut], data: normal(rand, nIn * nOut, 1 / Math.sqrt(nIn)) };
}

function ones(name: string, n: number): GgufTensor {
	return { name, shape: [n], data: new Float32Array(n).fill(1) };
}

/** Weight matrices the adapter targets, with their [n_in, n_out]. */
const LORA_TARGETS: [string, number, number][] = [
	['attn_q', EMBD, EMBD],
	['attn_v', EMBD, EMBD],
	['ffn_gate', EMBD, FF],
	['ffn_up', EMBD, FF],
	['ffn_down', FF, EMBD]
];

/** The hyperparameters of a random llama model; the tiny test model uses TINY_SHAPE. */
export interface ModelShape {
	embd: number;
	heads: number;
	ff: number;
	layers: number;
}

export const TINY_SHAPE: ModelShape = { embd: EMBD, heads: HEADS, ff: FF, layers: LAYERS };

function baseTensors(rand: () => number, vocab: Vocabulary, shape: ModelShape): GgufTensor[] {
	const { embd: EMBD, heads: HEADS, ff: FF, layers: LAYERS } = shape;
	const HEAD_DIM = EMBD / HEADS;
	const n = vocab.tokens.length;
	const output = normal(rand, EMBD * n, 1 / Math.sqrt(EMBD));
	vocab.outputScale.forEach((scale, token) => {
		for (let j = 0; j < EMBD; j++)
			output[token * EMBD + j] = (output[token * EMBD + j] as number) * scale;
	});
	const tensors: GgufTensor[] = [
		{ name: 'token_embd.weight', shape: [EMBD, n], data: normal(rand, EMBD * n, 1) },
		ones('output_norm.weight', EMBD),
		{ name: 'output.weight', shape: [EMBD, n], data: output }
	];
	for (let l = 0; l < LAYERS; l++) {
		const p = `blk.${l}.`;
		tensors.push(
			ones(`${p}attn_norm.weight`, EMBD),
			matrix(rand, `${p}attn_q.weight`, EMBD, HEADS * HEAD_DIM),
			matrix(rand, `${p}attn_k.weight`, EMBD, HEADS * HEAD_DIM),
			matrix(rand, `${p}attn_v.weight`, EMBD, HEADS * HEAD_DIM),
			matrix(rand, `${p}attn_output.weight`, HEADS * HEAD_DIM, EMBD),
			ones(`${p}ffn_norm.weight`, EMBD),
			matrix(rand, `${p}ffn_gate.weight`, EMBD, FF),
			matrix(rand, `${p}ffn_up.weight`, EMBD, FF),
			matrix(rand, `${p}ffn_down.weight`, FF, EMBD)
		);
	}
	return tensors;
}

function adapterTensors(rand: () => number): GgufTensor[] {
	const tensors: GgufTensor[] = [];
	for (let l = 0; l < LAYERS; l++) {
		for (const [target, nIn, nOut] of LORA_TARGETS) {
			const w = `blk.${l}.${target}.weight`;
			tensors.push(
				{
					name: `${w}.lora_a`,
					shape: [nIn, LORA_RANK],
					data: normal(rand, nIn * LORA_RANK, 1 / Math.sqrt(nIn))
				},
				// B is usually zero-initialised; 0.5 makes the update (scale·alpha/r = 2) about twice
				// the base weights, so greedy output visibly changes.
				{ name: `${w}.lora_b`, shape: [LORA_RANK, nOut], data: normal(rand, LORA_RANK * nOut, 0.5) }
			);
		}
	}
	return tensors;
}

/**
 * Writes a random-weight llama GGUF of the given shape with the tiny vocabulary and a ChatML
 * template (F32 weights; same seed and shape, same bytes). The benchmark builds a ~50M-parameter
 * one with it; the tests use TINY_SHAPE.
 */
export async function buildRandomModel({
	seed,
	file,
	shape,
	name
}: {
	seed: number;
	file: string;
	shape: ModelShape;
	name: string;
}): Promise<void> {
	const vocab = buildVocabulary();
	await writeGguf(file, {
		metadata: {
			'general.architecture': gguf.string('llama'),
			'general.name': gguf.string(name),
			'general.file_type': gguf.u32(0),
			'llama.context_length': gguf.u32(CONTEXT_LENGTH),
			'llama.embedding_length': gguf.u32(shape.embd),
			'llama.block_count': gguf.u32(shape.layers),
			'llama.feed_forward_length': gguf.u32(shape.ff),
			'llama.attention.head_count': gguf.u32(shape.heads),
			'llama.attention.head_count_kv': gguf.u32(shape.heads),
			'llama.attention.layer_norm_rms_epsilon': gguf.f32(1e-5),
			'llama.rope.dimension_count': gguf.u32(shape.embd / shape.heads),
			'llama.vocab_size': gguf.u32(vocab.tokens.length),
			'tokenizer.ggml.model': gguf.string('llama'),
			'tokenizer.ggml.tokens': gguf.strings(vocab.tokens),
			'tokenizer.ggml.scores': gguf.f32s(vocab.scores),
			'tokenizer.ggml.token_type': gguf.i32s(vocab.types),
			'tokenizer.ggml.bos_token_id': gguf.u32(vocab.bos),
			'tokenizer.ggml.eos_token_id': gguf.u32(vocab.eos),
			'tokenizer.ggml.unknown_token_id': gguf.u32(0),
			'tokenizer.ggml.add_bos_token': gguf.bool(true),
			'tokenizer.ggml.add_eos_token': gguf.bool(false),
			// llama.cpp would otherwise insert a space after every control token (so the rendered
			// ChatML would read "<|im_start|> user"); words carry their own ▁ anyway.
			'tokenizer.ggml.add_space_prefix': gguf.bool(false),
			'tokenizer.chat_template': gguf.string(CHATML_TEMPLATE)
		},
		tensors: baseTensors(gaussian(seed), vocab, shape)
	});
}

/**
 * Writes `tiny-random.gguf` (llama, 2 layers, embedding 64, 4 heads, ff 176, ChatML template) and
 * `tiny-random-lora.gguf` (rank 4, alpha 8 on attn_q, attn_v and ffn_* of both layers) into
 * `dir`. The same seed always gives byte-identical files.
 */
export async function buildTinyModel({
	seed,
	dir
}: {
	seed: number;
	dir: string;
}): Promise<{ modelPath: string; adapterPath: string }> {
	await mkdir(dir, { recursive: true });
	const modelPath = join(dir, TINY_MODEL_FILE);
	const adapterPath = join(dir, TINY_ADAPTER_FILE);

	await buildRandomModel({ seed, file: modelPath, shape: TINY_SHAPE, name: `tiny-random-${seed}` });

	await writeGguf(adapterPath, {
		metadata: {
			'general.architecture': gguf.string('llama'),
			'general.type': gguf.string('adapter'),
			'general.name': gguf.string(`tiny-random-lora-${seed}`),
			'adapter.type': gguf.string('lora'),
			'adapter.lora.alpha': gguf.f32(LORA_ALPHA)
		},
		// A different stream from the base, so the base weights do not depend on the adapter.
		tensors: adapterTensors(gaussian((seed ^ 0x5bd1e995) >>> 0))
	});

	return { modelPath, adapterPath };
}

const PROMPT_TEMPLATE =
	'Write a letter to the referring physician.\nDiagnosis: {{diagnosis}}\nTNM: {{tnm}}\n' +
	'Plan: {{radiotherapy.modality}} {{radiotherapy.total_dose_gy}} Gy in {{radiotherapy.fractions}} fractions';

function toYaml(manifest: CheckpointManifestInput): string {
	const doc = new Document(manifest);
	doc.commentBefore =
		' Generated by models/make-tiny-model.ts: random weights, for tests and demos.';
	// YAML 1.1 readers take a bare off for false; quoting keeps it the string the schema wants.
	const gpu = doc.get('gpu', true);
	if (gpu instanceof Scalar) gpu.type = Scalar.QUOTE_SINGLE;
	// Literal blocks keep the prompt template's line breaks readable.
	return doc.toString({ blockQuote: 'literal', lineWidth: 0 });
}

/**
 * Writes checkpoint manifests for the tiny model: `tiny-random.yaml` (base only) and
 * `tiny-random-lora.yaml` (base + adapter at scale 1), both pointing at files in `dir`.
 */
export async function writeTinyManifests(
	dir: string
): Promise<{ baseManifestPath: string; loraManifestPath: string }> {
	await mkdir(dir, { recursive: true });
	const base: CheckpointManifestInput = {
		name: 'tiny-random',
		model: TINY_MODEL_FILE,
		chatTemplate: 'auto',
		systemPrompt: 'You are a radiation oncologist writing to a referring colleague.',
		promptTemplate: PROMPT_TEMPLATE,
		sampling: { temperature: 0, maxTokens: 40, stop: [], seed: 42 },
		contextSize: 512,
		gpu: 'off',
		threads: 1,
		parallel: 2
	};
	const lora: CheckpointManifestInput = {
		...base,
		name: 'tiny-random-lora',
		adapters: [{ path: TINY_ADAPTER_FILE, scale: 1 }]
	};
	const baseManifestPath = join(dir, TINY_MANIFEST_FILE);
	const loraManifestPath = join(dir, TINY_LORA_MANIFEST_FILE);
	await writeFile(baseManifestPath, toYaml(base));
	await writeFile(loraManifestPath, toYaml(lora));
	return { baseManifestPath, loraManifestPath };
}
