/**
 * Generation benchmark (prints figures; asserts nothing). Run: `npm run bench:generation`.
 *
 * On a random llama GGUF (F32, so batching pays on a CPU) that this script builds, with the same
 * rendered prompts, greedy decoding, the same stop rule (end-of-generation token or the token
 * budget) and the same threads, it compares at N = 1, 2, 4 and 8 sequences:
 *   L(N) the fastest honest bare loop: node-llama-cpp alone, chat wrapper resolved once, each
 *        prompt rendered once; at N = 1 one sequence, at N > 1 a lock-step loop that asks every
 *        running sequence for its next token in the same tick and refills a finished slot with
 *        the next prompt at the next step;
 *   J(N) the platform's generate job (leases, heartbeats, per-output writes, provenance, the
 *        plan's speed probe) on an embedded PGlite database.
 * Both spans cover the same work: loading the model, creating the context, generating. The
 * configurations are repeated BENCH_REPS times (at least 3), interleaved, the order rotated by
 * one each repetition; medians and min–max are printed. Before any ratio, the token counts and
 * texts of each pair are compared: a mismatch is reported instead of divided.
 * Targets: J(N) ÷ L(N) ≥ 0.95 at every N; J(8)/J(1) at least 90 % of L(8)/L(1).
 *
 * Environment: BENCH_PROMPTS (default 16), BENCH_TOKENS (default 32), BENCH_LAYERS (default 6),
 * BENCH_REPS (default 3). BENCH_MODE=trace: where the job's time goes at N = 4 and 8 (decode
 * steps, the gaps between them, JavaScript-thread time by category) on PGlite and PostgreSQL
 * (TEST_DATABASE_URL); BENCH_MODE=threads: the bare loop with 1 and 2 threads.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { asc, eq } from 'drizzle-orm';
import {
	resolveChatWrapper,
	type LlamaContext,
	type LlamaContextSequence,
	type LlamaModel,
	type Token
} from 'node-llama-cpp';
import { stringify } from 'yaml';
import { CLI } from '../../src/lib/server/auth/actors';
import { openDatabase, type Database } from '../../src/lib/server/db';
import { cases, outputs } from '../../src/lib/server/db/schema';
import { generateStudy, prepareGeneration } from '../../src/lib/server/generation/job';
import { getLlamaInstance } from '../../src/lib/server/generation/llama';
import { planThreads } from '../../src/lib/server/generation/plan';
import { buildRandomModel } from '../../src/lib/server/generation/tiny-model';
import { useTracer, TraceTotals, tracer } from '../../src/lib/server/generation/trace';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { TEST_DATABASES } from '../support/databases';

const PROMPTS = Number(process.env.BENCH_PROMPTS ?? 16);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 32);
const REPS = Math.max(3, Number(process.env.BENCH_REPS ?? 3));
const SIZES = [1, 2, 4, 8];
const CONTEXT = 512;
const SHAPE = { embd: 640, heads: 10, ff: 1792, layers: Number(process.env.BENCH_LAYERS ?? 6) };
const params =
	SHAPE.layers * (4 * SHAPE.embd ** 2 + 3 * SHAPE.embd * SHAPE.ff) + 2 * 500 * SHAPE.embd;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-bench-gen-'));
const modelFile = path.join(root, 'bench-model.gguf');
// The bench model lives outside models/: name its folder as a weights folder, as a deployment
// with weights on another disk would.
process.env.BLINDEVAL_WEIGHTS_DIR = root;

function line(label: string, value: string) {
	console.log(`${label.padEnd(34)} ${value}`);
}

/** One run's work: texts and token counts by case id, and the seconds it took. */
interface Run {
	texts: Map<string, string>;
	tokens: Map<string, number>;
	seconds: number;
}

/** A study of PROMPTS cases whose one local checkpoint uses the bench model with N sequences. */
function writeStudy(parallel: number, threads: number): string {
	const dir = path.join(root, `p${parallel}`, 'studies', 'bench');
	fs.mkdirSync(dir, { recursive: true });
	const lines = Array.from({ length: PROMPTS }, (_, i) =>
		JSON.stringify({ id: `B${i}`, source: { diagnosis: `case ${i} carcinoma of the prostate` } })
	);
	fs.writeFileSync(path.join(dir, 'cases.jsonl'), lines.join('\n') + '\n');
	fs.writeFileSync(
		path.join(dir, 'bench.yaml'),
		stringify({
			name: 'bench',
			model: modelFile,
			promptTemplate: 'Write the letter. Diagnosis: {{diagnosis}}',
			sampling: { temperature: 0, maxTokens: TOKENS, seed: 1 },
			contextSize: CONTEXT,
			threads,
			parallel
		})
	);
	fs.writeFileSync(
		path.join(dir, 'study.yaml'),
		stringify({
			name: 'bench',
			seed: 1,
			cases: 'cases.jsonl',
			checkpoints: [{ name: 'bench', manifest: 'bench.yaml' }],
			form: { dimensions: [{ key: 'x', label: 'X', anchors: ['1', '2', '3', '4'] }] }
		})
	);
	return dir;
}

/** The job's database for one N: imported once, each repetition recomputes with `force`. */
interface JobSetup {
	database: Database;
	dir: string;
	/** Case ids in the order the job claims them (created_at, id), for the bare loop to follow. */
	order: string[];
}

async function setUpJob(
	parallel: number,
	threads: number,
	on: 'pglite' | 'postgres' = 'pglite'
): Promise<JobSetup> {
	const database =
		on === 'pglite'
			? await openDatabase({ dataDir: 'memory://' })
			: await TEST_DATABASES.find((d) => d.name === 'postgres')!.create();
	if (on === 'pglite') await database.migrate(path.resolve('drizzle'));
	const dir = writeStudy(parallel, threads);
	// Preflight and import only; every timed run recomputes all outputs with `force`.
	await prepareGeneration(database.db, CLI, loadStudy(dir));
	const rows = await database.db
		.select({ caseId: cases.externalId })
		.from(outputs)
		.innerJoin(cases, eq(cases.id, outputs.caseId))
		.orderBy(asc(outputs.createdAt), asc(outputs.id));
	return { database, dir, order: rows.map((r) => r.caseId) };
}

async function runJob(setup: JobSetup): Promise<Run> {
	let started = 0;
	await generateStudy(setup.database.db, CLI, loadStudy(setup.dir), {
		force: true,
		onJob: () => {
			started = performance.now();
			(tracer() as TraceTotals | null)?.begin();
		}
	});
	const seconds = (performance.now() - started) / 1000;
	(tracer() as TraceTotals | null)?.end();
	const rows = await setup.database.db
		.select({ caseId: cases.externalId, text: outputs.rawText, n: outputs.completionTokens })
		.from(outputs)
		.innerJoin(cases, eq(cases.id, outputs.caseId));
	return {
		texts: new Map(rows.map((r) => [r.caseId, r.text ?? ''])),
		tokens: new Map(rows.map((r) => [r.caseId, r.n ?? 0])),
		seconds
	};
}

/** Prompts as the job renders them (ChatML from the GGUF, no system prompt), wrapper resolved once. */
function renderAll(model: LlamaModel, prompts: Map<string, string>): Map<string, Token[]> {
	const wrapper = resolveChatWrapper(model);
	const rendered = new Map<string, Token[]>();
	for (const [id, prompt] of prompts) {
		const state = wrapper.generateContextState({
			chatHistory: [
				{ type: 'user', text: prompt },
				{ type: 'model', response: [] }
			]
		});
		rendered.set(id, state.contextText.tokenize(model.tokenizer));
	}
	return rendered;
}

/** With a tracer installed, times each llama.cpp decode call of a bare context (as lockstep.ts does). */
function traceDecodes(context: LlamaContext) {
	const trace = tracer();
	if (!trace) return;
	const internals = context as unknown as { _ctx: { decodeBatch: () => Promise<unknown> } };
	const native = internals._ctx;
	const decodeBatch = native.decodeBatch.bind(native);
	internals._ctx = new Proxy(native, {
		get(target, prop) {
			if (prop === 'decodeBatch')
				return () => {
					const start = performance.now();
					return decodeBatch().finally(() => trace.step(start, performance.now()));
				};
			const value: unknown = Reflect.get(target, prop);
			return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
		}
	});
}

/** L(N): the bare loop, in the order given; lock-step across the N sequences. */
async function runBare(
	parallel: number,
	threads: number,
	order: string[],
	prompts: Map<string, string>
): Promise<Run> {
	const llama = await getLlamaInstance();
	const started = performance.now();
	(tracer() as TraceTotals | null)?.begin();
	const model = await llama.loadModel({ modelPath: modelFile, gpuLayers: 0 });
	const context = await model.createContext({ contextSize: CONTEXT, sequences: parallel, threads });
	traceDecodes(context);
	// Inside the span, as in the job: the wrapper resolved once, each prompt rendered once.
	const rendered = renderAll(model, prompts);
	const texts = new Map<string, string>();
	const tokens = new Map<string, number>();
	type Slot = {
		sequence: LlamaContextSequence;
		id: string | null;
		it: AsyncGenerator<Token> | null;
		out: Token[];
	};
	const slots: Slot[] = Array.from({ length: parallel }, () => ({
		sequence: context.getSequence(),
		id: null,
		it: null,
		out: []
	}));
	let next = 0;
	try {
		const refill = async (slot: Slot) => {
			const id = order[next++];
			slot.id = id ?? null;
			slot.out = [];
			slot.it = null;
			if (id === undefined) return;
			await slot.sequence.clearHistory();
			const generator = slot.sequence.evaluate(rendered.get(id)!, {
				temperature: 0,
				yieldEogToken: true
			});
			slot.it = generator[Symbol.asyncIterator]();
		};
		for (const slot of slots) await refill(slot);
		while (slots.some((s) => s.it)) {
			// One step: every running sequence asks for its next token in the same tick.
			const active = slots.filter((s) => s.it);
			const results = await Promise.all(active.map((s) => s.it!.next()));
			for (const [i, slot] of active.entries()) {
				const r = results[i]!;
				const done = r.done || model.isEogToken(r.value);
				if (!done) slot.out.push(r.value);
				if (done || slot.out.length >= TOKENS) {
					await slot.it!.return(undefined);
					texts.set(slot.id!, model.detokenize(slot.out));
					tokens.set(slot.id!, slot.out.length);
					await refill(slot);
				}
			}
		}
	} finally {
		for (const s of slots) s.sequence.dispose();
		await context.dispose();
		await model.dispose();
	}
	const seconds = (performance.now() - started) / 1000;
	(tracer() as TraceTotals | null)?.end();
	return { texts, tokens, seconds };
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const median = (xs: number[]) => {
	const s = [...xs].sort((a, b) => a - b);
	const mid = Math.floor(s.length / 2);
	return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const fmt = (xs: number[]) =>
	`${median(xs).toFixed(1)} tok/s (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;

/** Differences between two runs' outputs, or null when tokens and texts are equal. */
function mismatch(a: Run, b: Run): string | null {
	const differing = [...a.texts.keys()].filter(
		(id) => a.texts.get(id) !== b.texts.get(id) || a.tokens.get(id) !== b.tokens.get(id)
	);
	if (a.texts.size !== b.texts.size) return `${a.texts.size} vs ${b.texts.size} outputs`;
	return differing.length
		? `${differing.length} of ${a.texts.size} outputs differ (${differing.slice(0, 3).join(', ')})`
		: null;
}

const t0 = performance.now();
await buildRandomModel({ seed: 7, file: modelFile, shape: SHAPE, name: 'bench-random' });
const buildSeconds = (performance.now() - t0) / 1000;
const llama = await getLlamaInstance();
const threads = planThreads({ threads: 'auto' } as Parameters<typeof planThreads>[0], llama);
const prompts = new Map(
	Array.from({ length: PROMPTS }, (_, i) => [
		`B${i}`,
		`Write the letter. Diagnosis: case ${i} carcinoma of the prostate`
	])
);

console.log('blindeval generation benchmark');
line(
	'machine',
	`${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'}, Node ${process.version}`
);
line('date', new Date().toISOString());
line(
	'model',
	`random llama, ${(params / 1e6).toFixed(0)}M parameters (F32, ${(fs.statSync(modelFile).size / 2 ** 20).toFixed(0)} MiB), built in ${buildSeconds.toFixed(1)} s`
);
line(
	'work',
	`${PROMPTS} prompts × up to ${TOKENS} tokens, greedy, ${threads} thread(s) (the auto rule), ${REPS} interleaved repetitions`
);

if (process.env.BENCH_MODE === 'threads') {
	// The threads rule (issue 19 point 1): the bare loop at N = 1 and N = 8 with 1 and 2 threads,
	// interleaved and rotated, tokens/s (median, min–max).
	const order = Array.from({ length: PROMPTS }, (_, i) => `B${i}`);
	const keys = [1, 8].flatMap((n) => [1, 2].map((t) => ({ n, t })));
	const rates = new Map(keys.map((k) => [`${k.n}/${k.t}`, [] as number[]]));
	for (let rep = 0; rep < REPS; rep++) {
		line(
			`load average, repetition ${rep + 1}`,
			os
				.loadavg()
				.map((l) => l.toFixed(2))
				.join(' ')
		);
		for (let i = 0; i < keys.length; i++) {
			const { n, t } = keys[(i + rep) % keys.length]!;
			const run = await runBare(n, t, order, prompts);
			rates.get(`${n}/${t}`)!.push(sum(run.tokens) / run.seconds);
		}
	}
	for (const { n, t } of keys) line(`N = ${n}, ${t} thread(s)`, fmt(rates.get(`${n}/${t}`)!));
	process.exit(0);
}

if (process.env.BENCH_MODE === 'trace') {
	await traceRuns();
	process.exit(0);
}

/**
 * BENCH_MODE=trace: where the job's extra time goes at N = 4 and 8. The bare lock-step loop, the
 * job on PGlite and the job on PostgreSQL (TEST_DATABASE_URL) run interleaved, order rotated, with
 * a tracer: each decode call's span and the gap to the next one (sampling and JavaScript), the
 * JavaScript thread's busy time (event-loop utilisation), the process CPU time, and the job's
 * spans by category (claim, write, heartbeat, progress, token handling, prompt rendering).
 */
async function traceRuns() {
	type Config = { label: string; n: number; kind: 'bare' | 'pglite' | 'postgres' };
	const configs: Config[] = [4, 8].flatMap((n) => [
		{ label: `L(${n}) bare`, n, kind: 'bare' as const },
		{ label: `J(${n}) PGlite`, n, kind: 'pglite' as const },
		{ label: `J(${n}) PostgreSQL`, n, kind: 'postgres' as const }
	]);
	const jobSetups = new Map<string, JobSetup>();
	for (const c of configs)
		if (c.kind !== 'bare') jobSetups.set(c.label, await setUpJob(c.n, threads, c.kind));
	const order = jobSetups.get('J(4) PGlite')!.order;
	await runBare(1, threads, order.slice(0, 2), prompts);
	type Sample = { seconds: number; totals: TraceTotals };
	const samples = new Map<string, Sample[]>(configs.map((c) => [c.label, []]));
	for (let rep = 0; rep < REPS; rep++) {
		line(
			`load average, repetition ${rep + 1}`,
			os
				.loadavg()
				.map((l) => l.toFixed(2))
				.join(' ')
		);
		for (let i = 0; i < configs.length; i++) {
			const c = configs[(i + rep) % configs.length]!;
			const totals = new TraceTotals();
			useTracer(totals);
			const run =
				c.kind === 'bare'
					? await runBare(c.n, threads, order, prompts)
					: await runJob(jobSetups.get(c.label)!);
			useTracer(null);
			samples.get(c.label)!.push({
				seconds: run.seconds,
				totals
			});
		}
	}
	const med = (xs: number[]) => median(xs).toFixed(1);
	for (const c of configs) {
		const runs = samples.get(c.label)!;
		const gaps = runs.map((r) => r.totals.gaps.reduce((a, b) => a + b, 0) / r.totals.gaps.length);
		const p90 = runs.map((r) => {
			const g = [...r.totals.gaps].sort((a, b) => a - b);
			return g[Math.floor(g.length * 0.9)]!;
		});
		const maxGap = runs.map((r) => Math.max(...r.totals.gaps));
		line(
			c.label,
			`span ${med(runs.map((r) => r.seconds * 1000))} ms, ${runs[0]!.totals.steps} steps, decode ${med(runs.map((r) => r.totals.decodeMs / r.totals.steps))} ms/step, gap mean ${med(gaps)} p90 ${med(p90)} max ${med(maxGap)} ms`
		);
		const t = (f: (x: TraceTotals) => number) => med(runs.map((r) => f(r.totals)));
		line(
			'',
			`before the first step ${t((x) => x.firstStep - x.spanStart)} ms, after the last ${t((x) => x.spanEnd - x.lastEnd!)} ms`
		);
		line(
			'',
			`JS thread busy ${t((x) => x.busyMs)} ms, process CPU ${t((x) => x.cpuMs)} ms, decode total ${med(runs.map((r) => r.totals.decodeMs))} ms, gaps total ${med(runs.map((r) => r.totals.gaps.reduce((a, b) => a + b, 0)))} ms`
		);
		const categories = [...new Set(runs.flatMap((r) => [...r.totals.spans.keys()]))];
		if (categories.length)
			line(
				'',
				categories
					.map((k) => {
						const n = runs[0]!.totals.spans.get(k)?.n ?? 0;
						return `${k} ${med(runs.map((r) => r.totals.spans.get(k)?.ms ?? 0))} ms/${n}`;
					})
					.join(', ')
			);
	}
	for (const setup of jobSetups.values()) await setup.database.close();
}

const setups = new Map<number, JobSetup>();
for (const n of SIZES) setups.set(n, await setUpJob(n, threads));
// Warm-up: page cache and first-use costs, outside the measurements.
await runBare(1, threads, setups.get(1)!.order.slice(0, 2), prompts);

type Key = `${'L' | 'J'}${number}`;
const configs: Key[] = SIZES.flatMap((n) => [`L${n}`, `J${n}`] as Key[]);
const runs = new Map<Key, Run[]>(configs.map((k) => [k, []]));
for (let rep = 0; rep < REPS; rep++) {
	line(
		`load average, repetition ${rep + 1}`,
		os
			.loadavg()
			.map((l) => l.toFixed(2))
			.join(' ')
	);
	const order = configs.map((_, i) => configs[(i + rep) % configs.length]!);
	for (const key of order) {
		const n = Number(key.slice(1));
		const setup = setups.get(n)!;
		const run =
			key[0] === 'L' ? await runBare(n, threads, setup.order, prompts) : await runJob(setup);
		runs.get(key)!.push(run);
	}
}

const rate = (r: Run) => sum(r.tokens) / r.seconds;
const medians = new Map<Key, number>();
for (const key of configs) medians.set(key, median(runs.get(key)!.map(rate)));
for (const n of SIZES) {
	const bare = runs.get(`L${n}`)!;
	const job = runs.get(`J${n}`)!;
	line(`L(${n}) bare loop`, `${fmt(bare.map(rate))}, ${sum(bare[0]!.tokens)} tokens`);
	line(`J(${n}) generate job`, `${fmt(job.map(rate))}, ${sum(job[0]!.tokens)} tokens`);
	const problems = [...bare, ...job]
		.map((r) => mismatch(bare[0]!, r))
		.filter((m): m is string => m !== null);
	if (problems.length) line(`  J(${n}) ÷ L(${n})`, `not computed: outputs differ: ${problems[0]}`);
	else
		line(
			`  J(${n}) ÷ L(${n})`,
			`${(medians.get(`J${n}`)! / medians.get(`L${n}`)!).toFixed(2)} (target ≥ 0.95); outputs equal`
		);
}
const bareScaling = medians.get('L8')! / medians.get('L1')!;
const jobScaling = medians.get('J8')! / medians.get('J1')!;
line('scaling L(8) ÷ L(1)', `×${bareScaling.toFixed(2)}`);
line(
	'scaling J(8) ÷ J(1)',
	`×${jobScaling.toFixed(2)} = ${((100 * jobScaling) / bareScaling).toFixed(0)} % of the bare scaling (target ≥ 90 %)`
);
for (const setup of setups.values()) await setup.database.close();
fs.rmSync(root, { recursive: true, force: true });
process.exit(0);
