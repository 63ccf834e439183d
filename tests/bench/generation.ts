/**
 * Generation benchmark (prints figures; asserts nothing). Run: `npm run bench:generation`.
 *
 * On a random llama GGUF of about 50M parameters that this script builds, it measures, on the
 * same prompts and the same number of generated tokens:
 *   (a) a bare node-llama-cpp decode loop (one sequence, evaluate() driven by hand), and
 *   (b) the platform's generate job (leases, database writes, provenance) with one sequence,
 * and prints tokens/s of each and their ratio (target: the job ≥ 95% of the bare loop); then the
 * job's aggregate tokens/s with 1, 2, 4 and 8 parallel sequences (target: parallel sequences
 * raise throughput; where it flattens is reported).
 *
 * Environment: BENCH_PROMPTS (default 16), BENCH_TOKENS (default 64), BENCH_LAYERS (default 10).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveChatWrapper } from 'node-llama-cpp';
import { stringify } from 'yaml';
import { CLI } from '../../src/lib/server/auth/actors';
import { openDatabase } from '../../src/lib/server/db';
import { generateStudy } from '../../src/lib/server/generation/job';
import { getLlamaInstance } from '../../src/lib/server/generation/llama';
import { buildRandomModel } from '../../src/lib/server/generation/tiny-model';
import { loadStudy } from '../../src/lib/server/studies/loader';

const PROMPTS = Number(process.env.BENCH_PROMPTS ?? 16);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 64);
const SHAPE = { embd: 640, heads: 10, ff: 1792, layers: Number(process.env.BENCH_LAYERS ?? 10) };
const params =
	SHAPE.layers * (4 * SHAPE.embd ** 2 + 3 * SHAPE.embd * SHAPE.ff) + 2 * 500 * SHAPE.embd;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-bench-gen-'));
const modelFile = path.join(root, 'bench-model.gguf');
// The bench model lives outside models/: name its folder as a weights folder, as a deployment
// with weights on another disk would.
process.env.BLINDEVAL_WEIGHTS_DIR = root;

function line(label: string, value: string) {
	console.log(`${label.padEnd(44)} ${value}`);
}

/** A study of PROMPTS cases whose one local checkpoint uses the bench model. */
function writeStudy(parallel: number): string {
	const dir = path.join(root, `p${parallel}`, 'studies', 'bench');
	fs.mkdirSync(dir, { recursive: true });
	const cases = Array.from({ length: PROMPTS }, (_, i) =>
		JSON.stringify({ id: `B${i}`, source: { diagnosis: `case ${i} carcinoma of the prostate` } })
	);
	fs.writeFileSync(path.join(dir, 'cases.jsonl'), cases.join('\n') + '\n');
	fs.writeFileSync(
		path.join(dir, 'bench.yaml'),
		stringify({
			name: 'bench',
			model: modelFile,
			promptTemplate: 'Write the letter. Diagnosis: {{diagnosis}}',
			sampling: { temperature: 0, maxTokens: TOKENS, seed: 1 },
			contextSize: 512,
			threads: 1,
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

/** (a) The bare loop: same chat rendering (ChatML from the GGUF), greedy, same token budget. */
async function bareLoop(prompts: string[]): Promise<{ tokens: number; seconds: number }> {
	const llama = await getLlamaInstance();
	const started = performance.now();
	const model = await llama.loadModel({ modelPath: modelFile, gpuLayers: 0 });
	const context = await model.createContext({ contextSize: 512, sequences: 1, threads: 1 });
	const sequence = context.getSequence();
	let tokens = 0;
	try {
		for (const prompt of prompts) {
			await sequence.clearHistory();
			const rendered = resolveChatWrapper(model).generateContextState({
				chatHistory: [
					{ type: 'user', text: prompt },
					{ type: 'model', response: [] }
				]
			});
			const input = rendered.contextText.tokenize(model.tokenizer);
			let n = 0;
			for await (const token of sequence.evaluate(input, { temperature: 0, yieldEogToken: true })) {
				if (model.isEogToken(token)) break;
				if (++n >= TOKENS) break;
			}
			tokens += n;
		}
	} finally {
		sequence.dispose();
		await context.dispose();
		await model.dispose();
	}
	return { tokens, seconds: (performance.now() - started) / 1000 };
}

/**
 * (b) The platform's job on an in-memory PGlite database. `seconds` spans what the bare loop
 * spans (model load and decoding, from the job's start to its end); `total` adds the one-off
 * steps before it (validation, import, preflight, hashing the model file).
 */
async function job(parallel: number): Promise<{ tokens: number; seconds: number; total: number }> {
	const database = await openDatabase({ dataDir: 'memory://' });
	await database.migrate(path.resolve('drizzle'));
	try {
		const def = loadStudy(writeStudy(parallel));
		const started = performance.now();
		let jobStarted = started;
		await generateStudy(database.db, CLI, def, { onJob: () => (jobStarted = performance.now()) });
		const ended = performance.now();
		const rows = await database.db.query.outputs.findMany({ columns: { completionTokens: true } });
		const tokens = rows.reduce((s, r) => s + (r.completionTokens ?? 0), 0);
		return { tokens, seconds: (ended - jobStarted) / 1000, total: (ended - started) / 1000 };
	} finally {
		await database.close();
	}
}

const t0 = performance.now();
await buildRandomModel({ seed: 7, file: modelFile, shape: SHAPE, name: 'bench-random' });
const buildSeconds = (performance.now() - t0) / 1000;
const prompts = Array.from(
	{ length: PROMPTS },
	(_, i) => `Write the letter. Diagnosis: case ${i} carcinoma of the prostate`
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
line('work', `${PROMPTS} prompts × up to ${TOKENS} tokens, greedy, 1 thread`);
// Warm-up: the first model load pays for reading the file into the page cache.
await bareLoop(prompts.slice(0, 1));

const bare = await bareLoop(prompts);
const single = await job(1);
const bareRate = bare.tokens / bare.seconds;
const jobRate = single.tokens / single.seconds;
line(
	'(a) bare decode loop',
	`${bareRate.toFixed(1)} tokens/s (${bare.tokens} tokens, ${bare.seconds.toFixed(1)} s)`
);
line(
	'(b) generate job, 1 sequence',
	`${jobRate.toFixed(1)} tokens/s (${single.tokens} tokens, ${single.seconds.toFixed(1)} s)`
);
line(
	'    one-off steps before the job',
	`${(single.total - single.seconds).toFixed(1)} s (import, preflight, model hash)`
);
line('job / bare loop', `${((100 * jobRate) / bareRate).toFixed(1)} % (target ≥ 95 %)`);

const scaling: { parallel: number; rate: number }[] = [{ parallel: 1, rate: jobRate }];
for (const parallel of [2, 4, 8]) {
	const r = await job(parallel);
	scaling.push({ parallel, rate: r.tokens / r.seconds });
}
for (const s of scaling)
	line(
		`job, ${s.parallel} parallel sequence(s)`,
		`${s.rate.toFixed(1)} tokens/s (×${(s.rate / jobRate).toFixed(2)})`
	);
const best = scaling.reduce((a, b) => (b.rate > a.rate ? b : a));
const flat = scaling.find((s, i) => i > 0 && s.rate < scaling[i - 1]!.rate * 1.1);
line('best parallel factor', `×${(best.rate / jobRate).toFixed(2)} at ${best.parallel} sequences`);
line(
	'flattens at',
	flat ? `${flat.parallel} sequences (< 10 % gain over the previous)` : 'not within 8'
);
fs.rmSync(root, { recursive: true, force: true });
process.exit(0);
