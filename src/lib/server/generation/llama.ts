// Over 300 lines: one runner around one native library's objects; lockstep.ts holds the batch loop.
/**
 * Local generation with node-llama-cpp: one model (plus LoRA adapters) per run, a bounded pool of
 * context sequences pulling requests from a queue, one result per request handed to the caller
 * as soon as it is done. The native library is loaded lazily on first use, never on import.
 */
import { open, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import {
	ChatMLChatWrapper,
	Llama3ChatWrapper,
	LlamaLogLevel,
	getLlama,
	getModuleVersion,
	readGgufFileInfo,
	resolveChatWrapper,
	type ChatHistoryItem,
	type ChatWrapper,
	type GgufFileInfo,
	type Llama,
	type LlamaContext,
	type LlamaContextSequence,
	type LlamaModel,
	type Token
} from 'node-llama-cpp';
import type { CheckpointManifest } from '../../domain/checkpoint-manifest';
import { LockStep, type StepHistogram } from './lockstep';
import { deviceName, planThreads, type HardwarePlan, type TimeEstimate } from './plan';
import { traced, tracer } from './trace';

export interface GenerationRequest {
	key: string;
	/** The rendered user prompt (see renderPrompt); the chat template is applied here. */
	prompt: string;
}

/**
 * Where a run takes its requests from: a fixed list, or a source that hands out work as
 * sequences become free (the generate job claims outputs from the database one at a time).
 */
export interface RequestSource {
	/** The next request, or null when there is no more work. Called by one worker at a time. */
	next(): Promise<GenerationRequest | null>;
	/** Upper bound on the number of requests: no more sequences are created than this. */
	size: number;
	/** The prompts it will hand out, when known: for the plan's time estimate. */
	prompts?: string[];
}

export interface GenerationResult {
	key: string;
	text: string;
	/** Tokens fed to the model, including BOS and the chat template's tokens. */
	promptTokens: number;
	/** Tokens sampled, not counting the end-of-generation token. */
	completionTokens: number;
	durationMs: number;
	timeToFirstTokenMs: number | null;
	/** Decoding speed after the first token: (completionTokens - 1) / time since first token. */
	tokensPerSecond: number | null;
	finishReason: 'stop' | 'length' | 'error';
	seed: number;
	/** Exactly what the model saw, special tokens included, e.g. "<s><|im_start|>system\n…". */
	renderedPrompt: string;
	error?: string;
}

/**
 * What a run actually ran on, recorded with each output so a reviewer can reproduce it: greedy
 * text in llama.cpp can depend on how tokens were batched, so the sequences decoded together and
 * the batch size belong here as much as the backend. A type rather than an interface so it can be
 * stored as a plain JSON record.
 */
export type RuntimeInfo = {
	nodeLlamaCppVersion: string;
	/** As the prebuilt binary reports it (3.22.1 ships one that says "v0.5.0"). */
	llamaCppRelease: string;
	/** Where the layers ran: 'cpu' when none was offloaded, whichever library build loaded. */
	backend: string;
	/** The library build that loaded: 'cpu', 'cuda', 'vulkan' or 'metal'. */
	library: string;
	device: string;
	gpuLayers: number;
	totalLayers: number;
	threads: number;
	/** Sequences decoded together in lock-step (the context's sequences). */
	sequences: number;
	batchSize: number;
	/** Tokens of context per sequence, as created (llama.cpp may round up). */
	contextSize: number;
};

// ---- the shared Llama instance and its log ------------------------------------------------

const LOG_LINES = 50;
const logRing: string[] = [];
let logCount = 0;
let llamaPromise: Promise<Llama> | null = null;

function log(level: LlamaLogLevel, message: string): void {
	const text = message.trim();
	// F16 models print one "cannot use buft" line per tensor: noise that would evict real causes.
	if (!text || text.includes('cannot use buft')) return;
	const line = `${level}: ${text}`;
	logRing[logCount % LOG_LINES] = line;
	logCount++;
	// llama.cpp's errors are the only place the real cause of a failed load appears.
	console.warn(`[llama.cpp] ${line}`);
}

/** Lines logged since `mark` (a previous logCount), oldest first, at most the ring's size. */
function logSince(mark: number): string[] {
	const lines: string[] = [];
	for (let i = Math.max(mark, logCount - LOG_LINES); i < logCount; i++) {
		lines.push(logRing[i % LOG_LINES] as string);
	}
	return lines;
}

/** The last warning and error lines llama.cpp logged in this process, oldest first. */
export function recentLlamaLog(): string[] {
	return logSince(0);
}

async function captureCause(mark: number): Promise<string> {
	// Native log lines are delivered through the event loop; let any stragglers arrive.
	await new Promise((r) => setImmediate(r));
	const lines = [...new Set(logSince(mark))];
	const errors = lines.filter((l) => l.startsWith('error') || l.startsWith('fatal'));
	return (errors.length > 0 ? errors : lines).join('; ');
}

function withCause(message: string, cause: string): string {
	return cause ? `${message}: ${cause}` : message;
}

/**
 * The shared Llama instance, created on first use and reused (creating one takes 0.7–3 s).
 * BLINDEVAL_GPU chooses the backend: 'auto' (default: node-llama-cpp's prebuilt CUDA, Vulkan or
 * Metal binary when a GPU is present), 'off', or one of 'cuda', 'vulkan', 'metal'. A GPU
 * backend that loads but reports no device (seen here: Vulkan on a machine without a GPU) is
 * dropped for the CPU, which is faster than a software device.
 */
export function getLlamaInstance(): Promise<Llama> {
	llamaPromise ??= createLlama().catch((err: unknown) => {
		llamaPromise = null;
		throw err;
	});
	return llamaPromise;
}

export const GPU_BACKENDS = ['cuda', 'vulkan', 'metal'] as const;

/** BLINDEVAL_GPU, lower-cased: 'auto' (default), 'off', or one of GPU_BACKENDS. */
export function gpuSetting(): string {
	const setting = (process.env.BLINDEVAL_GPU ?? 'auto').toLowerCase();
	return setting === 'false' || setting === 'cpu' ? 'off' : setting;
}

async function createLlama(): Promise<Llama> {
	const setting = gpuSetting();
	const gpu =
		setting === 'off'
			? false
			: (GPU_BACKENDS as readonly string[]).includes(setting)
				? (setting as (typeof GPU_BACKENDS)[number])
				: 'auto';
	const options = {
		build: 'never' as const,
		// A ceiling shared by all contexts; each context asks for the manifest's `threads`.
		maxThreads: availableParallelism(),
		logLevel: LlamaLogLevel.warn,
		logger: log
	};
	const llama = await getLlama({ ...options, gpu });
	if (llama.gpu === false || gpu !== 'auto') return llama;
	const devices = await llama.getGpuDeviceNames();
	if (devices.length > 0 && (await llama.getVramState()).total > 0) return llama;
	await llama.dispose();
	return getLlama({ ...options, gpu: false });
}

/**
 * Checks the fixed GGUF header (magic, version, counts) against the file size before the full
 * reader runs: node-llama-cpp's reader was seen to hang on a truncated or garbage file instead
 * of failing, which would stall preflight forever.
 */
async function ggufHeaderProblem(path: string, size: number): Promise<string | null> {
	if (size < 24) return `only ${size} bytes`;
	const handle = await open(path, 'r');
	try {
		const header = Buffer.alloc(24);
		await handle.read(header, 0, 24, 0);
		if (header.toString('latin1', 0, 4) !== 'GGUF') return 'the file does not start with "GGUF"';
		const version = header.readUInt32LE(4);
		if (version !== 2 && version !== 3) return `unsupported GGUF version ${version}`;
		const tensors = header.readBigUInt64LE(8);
		const entries = header.readBigUInt64LE(16);
		// Each metadata entry and tensor info takes well over 8 bytes.
		if (entries * 8n > BigInt(size) || tensors * 8n > BigInt(size))
			return `the header lists ${entries} metadata entries and ${tensors} tensors, more than a ${size}-byte file can hold (truncated or corrupt)`;
		return null;
	} finally {
		await handle.close();
	}
}

// Architectures without attention or feed-forward hyperparameters.
const RECURRENT_ARCHITECTURES = new Set(['mamba', 'mamba2', 'rwkv6', 'rwkv7', 'rwkv6qwen2']);

/**
 * Checks that a file exists and reads as a GGUF with an architecture (and, for models, the
 * hyperparameters whose absence makes llama.cpp abort the whole process instead of throwing).
 * @throws Error naming the file and what is wrong with it
 */
export async function preflightModel(
	path: string,
	kind: 'model' | 'adapter' = 'model'
): Promise<GgufFileInfo> {
	const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
		throw new Error(`${kind} file ${path} cannot be read: ${err.code ?? err.message}`);
	});
	if (!info.isFile()) throw new Error(`${kind} file ${path} is not a file`);
	const headerProblem = await ggufHeaderProblem(path, info.size);
	if (headerProblem)
		throw new Error(`${kind} file ${path} is not a valid GGUF file: ${headerProblem}`);
	const gguf = await readGgufFileInfo(path, { readTensorInfo: false, logWarnings: false }).catch(
		(err: unknown) => {
			throw new Error(`${kind} file ${path} is not a valid GGUF file: ${String(err)}`);
		}
	);
	const metadata = gguf.metadata as unknown as Record<string, Record<string, unknown> | undefined>;
	const architecture = metadata.general?.architecture;
	if (typeof architecture !== 'string' || !architecture) {
		throw new Error(`${kind} file ${path} has no general.architecture`);
	}
	if (kind === 'model') {
		const keys = ['context_length', 'embedding_length', 'block_count'];
		if (!RECURRENT_ARCHITECTURES.has(architecture)) {
			keys.push('feed_forward_length', 'attention.head_count');
		}
		const missing = keys.filter((key) => {
			let node: unknown = metadata[architecture];
			for (const part of key.split('.'))
				node = (node as Record<string, unknown> | undefined)?.[part];
			return node === undefined;
		});
		if (missing.length > 0) {
			const names = missing.map((k) => `${architecture}.${k}`).join(', ');
			throw new Error(`model file ${path} lacks required metadata: ${names}`);
		}
	}
	return gguf;
}

// ---- prompt rendering ----------------------------------------------------------------------

export interface Renderer {
	/** Tokens to feed, plus stop tokens the template implies beyond the model's EOG tokens. */
	render(prompt: string): { tokens: Token[]; stopTokens: Set<Token>; stopStrings: string[] };
}

function chatRenderer(model: LlamaModel, wrapper: ChatWrapper, systemPrompt: string): Renderer {
	return {
		render(prompt) {
			const chatHistory: ChatHistoryItem[] = [
				...(systemPrompt ? [{ type: 'system' as const, text: systemPrompt }] : []),
				{ type: 'user', text: prompt },
				// An empty model turn makes the wrapper end with the assistant header.
				{ type: 'model', response: [] }
			];
			const state = wrapper.generateContextState({ chatHistory });
			const stopTokens = new Set<Token>();
			const stopStrings: string[] = [];
			for (const trigger of state.stopGenerationTriggers) {
				const tokens = trigger.tokenize(model.tokenizer);
				if (trigger.values.every((v) => typeof v === 'string'))
					stopStrings.push(trigger.toString());
				else if (tokens.length === 1) stopTokens.add(tokens[0] as Token);
			}
			return { tokens: state.contextText.tokenize(model.tokenizer), stopTokens, stopStrings };
		}
	};
}

export function makeRenderer(model: LlamaModel, manifest: CheckpointManifest): Renderer {
	switch (manifest.chatTemplate) {
		case 'auto':
			return chatRenderer(model, resolveChatWrapper(model), manifest.systemPrompt);
		case 'chatml':
			return chatRenderer(model, new ChatMLChatWrapper(), manifest.systemPrompt);
		case 'llama3':
			return chatRenderer(model, new Llama3ChatWrapper(), manifest.systemPrompt);
		case 'none':
			return {
				render(prompt) {
					const text = manifest.systemPrompt ? `${manifest.systemPrompt}\n\n${prompt}` : prompt;
					const bos = model.tokens.shouldPrependBosToken ? model.tokens.bos : null;
					// specialTokens false: "<|im_end|>" typed in a case must stay plain text.
					const tokens = model.tokenize(text, false);
					return {
						tokens: bos === null ? tokens : [bos, ...tokens],
						stopTokens: new Set(),
						stopStrings: []
					};
				}
			};
	}
}

// ---- generation -----------------------------------------------------------------------------

interface Job {
	manifest: CheckpointManifest;
	model: LlamaModel;
	renderer: Renderer;
	signal: AbortSignal;
}

/** What the sampler reads; an unset repeat penalty means none (node-llama-cpp would use 1.1). */
function samplingOptions(manifest: CheckpointManifest, generated: Token[]) {
	const s = manifest.sampling;
	const greedy = s.temperature === 0;
	return {
		temperature: s.temperature,
		...(greedy ? {} : { seed: s.seed, topP: s.topP, topK: s.topK, minP: s.minP }),
		...(s.repeatPenalty !== undefined && s.repeatPenalty !== 1
			? { repeatPenalty: { punishTokens: () => generated.slice(-64), penalty: s.repeatPenalty } }
			: {}),
		// Stop decisions are made here, so the end-of-generation token must reach the loop.
		yieldEogToken: true
	};
}

/**
 * One request on one sequence. A bare evaluate() loop rather than LlamaCompletion: it gives exact
 * token counts and the first-token time, and LlamaCompletion would prepend a second BOS to the
 * chat-rendered prompt (which already starts with one).
 */
async function generateOne(
	job: Job,
	sequence: LlamaContextSequence,
	request: GenerationRequest
): Promise<GenerationResult> {
	const { manifest, model, renderer, signal } = job;
	const start = performance.now();
	const mark = logCount;
	const result: GenerationResult = {
		key: request.key,
		text: '',
		promptTokens: 0,
		completionTokens: 0,
		durationMs: 0,
		timeToFirstTokenMs: null,
		tokensPerSecond: null,
		finishReason: 'error',
		seed: manifest.sampling.seed,
		renderedPrompt: ''
	};
	const generated: Token[] = [];
	let firstTokenAt: number | null = null;
	try {
		const rendering = performance.now();
		const { tokens, stopTokens, stopStrings: templateStops } = renderer.render(request.prompt);
		result.promptTokens = tokens.length;
		result.renderedPrompt = model.detokenize(tokens, true);
		tracer()?.span('prompt', performance.now() - rendering);
		const room = sequence.contextSize - tokens.length;
		if (room < 1) {
			throw new Error(
				`prompt has ${tokens.length} tokens but contextSize is ${sequence.contextSize}`
			);
		}
		// Never let llama.cpp shift the context: a truncated prompt would be a silent change.
		const budget = Math.min(manifest.sampling.maxTokens, room);
		const stopStrings = [...manifest.sampling.stop, ...templateStops];
		await sequence.clearHistory();
		let finish: GenerationResult['finishReason'] | null = null;
		let text = '';
		const trace = tracer();
		for await (const token of sequence.evaluate(tokens, samplingOptions(manifest, generated))) {
			const received = performance.now();
			firstTokenAt ??= received;
			try {
				if (signal.aborted) break;
				if (model.isEogToken(token) || stopTokens.has(token)) {
					finish = 'stop';
					break;
				}
				generated.push(token);
				if (stopStrings.length > 0) {
					text = model.detokenize(generated);
					const cut = Math.min(...stopStrings.map((s) => text.indexOf(s)).filter((i) => i >= 0));
					if (Number.isFinite(cut)) {
						text = text.slice(0, cut);
						finish = 'stop';
						break;
					}
				}
				if (generated.length >= budget) {
					finish = 'length';
					break;
				}
			} finally {
				trace?.span('tokens', performance.now() - received);
			}
		}
		if (signal.aborted) throw signal.reason ?? new Error('aborted');
		if (finish === null) throw new Error('generation ended without a stop token or limit');
		result.text = stopStrings.length > 0 ? text : model.detokenize(generated);
		result.finishReason = finish;
	} catch (err) {
		if (signal.aborted) throw err;
		const cause = await captureCause(mark);
		result.error = withCause(err instanceof Error ? err.message : String(err), cause);
		result.text = model.detokenize(generated);
	}
	const end = performance.now();
	result.completionTokens = generated.length;
	result.durationMs = end - start;
	if (firstTokenAt !== null) {
		result.timeToFirstTokenMs = firstTokenAt - start;
		if (generated.length > 1 && end > firstTokenAt) {
			result.tokensPerSecond = ((generated.length - 1) * 1000) / (end - firstTokenAt);
		}
	}
	return result;
}

function listSource(requests: GenerationRequest[]): RequestSource {
	let next = 0;
	return {
		size: requests.length,
		prompts: requests.map((r) => r.prompt),
		next: async () => requests[next++] ?? null
	};
}

function gpuLayers(gpu: CheckpointManifest['gpu']): 'auto' | number {
	if (gpu === 'off') return 0;
	return gpu;
}

/** What the caller learns once the model is loaded, before the first request is taken. */
export interface RunReady {
	runtime: RuntimeInfo;
	plan: HardwarePlan;
	/** Null when the source does not list its prompts. */
	estimate: TimeEstimate | null;
}

export interface RunSummary {
	runtime: RuntimeInfo;
	/** Decode steps llama.cpp was given, by live slots and sequences carried (lockstep.ts). */
	steps: StepHistogram;
}

/**
 * Times two decode calls on the run's own context, for the plan's estimate: a prefill of 8
 * prompt tokens on one sequence (which also pays any first-use cost, so the estimate errs long),
 * then one step carrying a token of every sequence. Costs about as much as generating three
 * tokens; everything evaluated here is cleared before the first request.
 */
async function measureSpeed(
	model: LlamaModel,
	sequences: LlamaContextSequence[]
): Promise<{ prefillSeconds: number; stepSeconds: number }> {
	const token = (model.tokens.bos ?? model.tokenize('a')[0]) as Token;
	const n = 8;
	let t = performance.now();
	await sequences[0]!.evaluateWithoutGeneratingNewTokens(new Array<Token>(n).fill(token));
	const prefillSeconds = (performance.now() - t) / 1000 / n;
	t = performance.now();
	await Promise.all(sequences.map((s) => s.evaluateWithoutGeneratingNewTokens([token])));
	const stepSeconds = (performance.now() - t) / 1000;
	for (const s of sequences) await s.clearHistory();
	return { prefillSeconds, stepSeconds };
}

/**
 * Generates one completion per request with a checkpoint manifest's model, adapters, chat
 * template and sampling. The model is loaded once; `min(parallel, requests.length)` sequences
 * decode in lock-step (lockstep.ts): each step carries one token of every running sequence, and a
 * sequence that finishes takes the next request from the shared queue for the next step.
 * `onResult` is called for each result as it finishes, in order and never concurrently, so the
 * caller can persist row by row; a slot does not wait for the write before its next request.
 * A failing request becomes a result with finishReason 'error' and llama.cpp's logged cause.
 * On abort, no new requests start, in-flight ones are dropped (no onResult) and the promise
 * rejects with the signal's reason once everything is disposed.
 * @param manifestDir directory the manifest's model and adapter paths are relative to
 * @throws Error naming the file and llama.cpp's logged cause when the model or an adapter fails
 *   to load; whatever onResult throws (remaining work is abandoned)
 */
export async function runGeneration(
	manifest: CheckpointManifest,
	manifestDir: string,
	requests: GenerationRequest[] | RequestSource,
	opts: {
		signal?: AbortSignal;
		onResult: (r: GenerationResult) => Promise<void>;
		/** Called once the model is loaded, before the first request is taken. */
		onReady?: (ready: RunReady) => void | Promise<void>;
	}
): Promise<RunSummary> {
	const source = Array.isArray(requests) ? listSource(requests) : requests;
	const modelPath = resolve(manifestDir, manifest.model);
	const adapters = manifest.adapters.map((a) => ({
		filePath: resolve(manifestDir, a.path),
		scale: a.scale
	}));
	await preflightModel(modelPath, 'model');
	for (const a of adapters) await preflightModel(a.filePath, 'adapter');
	opts.signal?.throwIfAborted();

	const llama = await getLlamaInstance();
	const stop = new AbortController();
	const onAbort = () => stop.abort(opts.signal?.reason);
	opts.signal?.addEventListener('abort', onAbort, { once: true });

	let model: LlamaModel | null = null;
	let context: LlamaContext | null = null;
	const sequences: LlamaContextSequence[] = [];
	try {
		let mark = logCount;
		const vramFree = (await llama.getVramState()).free;
		model = await llama
			.loadModel({ modelPath, gpuLayers: gpuLayers(manifest.gpu), loadSignal: stop.signal })
			.catch(async (err: unknown) => {
				stop.signal.throwIfAborted();
				throw new Error(withCause(`failed to load model ${modelPath}`, await captureCause(mark)), {
					cause: err
				});
			});
		mark = logCount;
		const loadedModel = model;
		const threads = planThreads(manifest, llama);
		const slots = Math.max(1, Math.min(manifest.parallel, source.size));
		context = await loadedModel
			.createContext({
				contextSize: manifest.contextSize,
				sequences: slots,
				threads,
				failedCreationRemedy: false,
				createSignal: stop.signal,
				...(adapters.length > 0 ? { lora: { adapters } } : {})
			})
			.catch(async (err: unknown) => {
				stop.signal.throwIfAborted();
				const what =
					adapters.length > 0
						? `failed to create a context with adapters ${adapters.map((a) => a.filePath).join(', ')}`
						: `failed to create a context for ${modelPath}`;
				throw new Error(withCause(what, await captureCause(mark)), { cause: err });
			});
		while (context.sequencesLeft > 0) sequences.push(context.getSequence());

		const layers = loadedModel.gpuLayers;
		const runtime: RuntimeInfo = {
			nodeLlamaCppVersion: await getModuleVersion(),
			llamaCppRelease: llama.llamaCppRelease.release,
			backend: layers > 0 && llama.gpu !== false ? llama.gpu : 'cpu',
			library: llama.gpu === false ? 'cpu' : llama.gpu,
			device: await deviceName(llama, layers),
			gpuLayers: layers,
			totalLayers: loadedModel.fileInsights.totalLayers,
			threads: context.idealThreads,
			sequences: sequences.length,
			batchSize: context.batchSize,
			contextSize: context.contextSize
		};
		const renderer = makeRenderer(loadedModel, manifest);
		if (opts.onReady) {
			const speed = source.prompts
				? await traced('probe', () => measureSpeed(loadedModel, sequences))
				: null;
			const estimate: TimeEstimate | null =
				speed && source.prompts
					? {
							outputs: source.prompts.length,
							promptTokens: source.prompts.reduce(
								(sum, p) => sum + renderer.render(p).tokens.length,
								0
							),
							maxTokens: manifest.sampling.maxTokens,
							...speed
						}
					: null;
			const plan: HardwarePlan = {
				...runtime,
				vramNeeded: layers > 0 ? vramFree - (await llama.getVramState()).free : 0,
				vramFree
			};
			await opts.onReady({ runtime, plan, estimate });
		}
		stop.signal.throwIfAborted();

		const job: Job = { manifest, model: loadedModel, renderer, signal: stop.signal };
		const lockStep = new LockStep();
		lockStep.attach(context, sequences.length);
		// Serialises onResult and next() so the caller never sees two calls of either at once.
		let delivered: Promise<void> = Promise.resolve();
		let taking: Promise<unknown> = Promise.resolve();
		const take = () => {
			const request = taking.then(() => (stop.signal.aborted ? null : source.next()));
			// The chain goes on after a failed next(); the failure itself reaches the worker that
			// awaits this request, or is moot when the run stopped before awaiting it.
			taking = request.catch(() => undefined);
			request.catch(() => undefined);
			return request;
		};
		// Requests claimed ahead, one per slot, shared in claim order: whichever slot finishes first
		// takes the oldest claim, so cases start in the source's order (as a bare loop starts them)
		// and the batches match the bare loop's, while the claims themselves (a database round trip)
		// run during decoding instead of stalling every sequence at the next step. A request taken
		// but never started (on abort) goes back with the caller's leases.
		const ahead = sequences.map(() => take());
		const worker = async (sequence: LlamaContextSequence) => {
			try {
				while (!stop.signal.aborted) {
					const next = ahead.shift() ?? take();
					ahead.push(take());
					const request = await next;
					if (!request) break;
					const result = await generateOne(job, sequence, request);
					// The slot goes on to its next request at once; the write keeps its order.
					delivered = delivered.then(() => opts.onResult(result));
					delivered.catch((err: unknown) => stop.abort(err));
				}
			} finally {
				// Until a slot retires, the other sequences wait for it at each step.
				lockStep.retire();
			}
		};
		const outcomes = await Promise.allSettled(
			sequences.map((s) =>
				worker(s).catch((err: unknown) => {
					// One worker's failure stops the others too.
					stop.abort(err);
					throw err;
				})
			)
		);
		// A claim taken just before the run stopped must land before the caller releases its
		// leases, or it would stay 'running' after the release.
		await taking;
		await delivered;
		opts.signal?.throwIfAborted();
		const failed = outcomes.find((o) => o.status === 'rejected');
		if (failed) throw failed.reason;

		return { runtime, steps: lockStep.steps };
	} finally {
		opts.signal?.removeEventListener('abort', onAbort);
		for (const s of sequences) s.dispose();
		await context?.dispose();
		// Adapters are only freed with their model.
		await model?.dispose();
	}
}
