/**
 * Benchmark of analyzeStudy on a synthetic study of 1,000,000 ratings: 200 raters × 1,000 items
 * × 5 dimensions, items = 250 cases × 4 checkpoints, plus 10,000 ratings of repeated items,
 * seeded so every run analyses the same data. Run with `npx tsx tests/bench/analysis.ts`.
 *
 * Prints one block: a baseline measured in the same run (the cell means alone, by a plain loop
 * over the rows), the analysis with every rater pair's kappa and with a 500-pair subsample, the
 * time per section, the ratios to the baseline, and a digest of each result (equal digests:
 * identical results). Figures only: nothing here asserts a time (CONTRIBUTING.md: speed figures
 * go in tests/bench/, never in assertions).
 *
 * Before/after in one run: BENCH_BEFORE=/path/to/other/src/lib/analysis/study/index.ts (study.ts
 * before issue 15; e.g. `git archive <rev> src/lib | tar -x -C /tmp/old`, node_modules linked)
 * times that analyzeStudy too, alternating with this one on the same data, and prints its median
 * and whether its result is identical.
 */

import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { seededRng } from '../../src/lib/domain/random';
import {
	analyzeStudy,
	type AnalysisConfig,
	type CaseRow,
	type OutputRow,
	type RatingRow,
	type StudySection
} from '../../src/lib/analysis/study';

const RATERS = 200;
const CASES = 250;
const CHECKPOINTS = ['base', 'sft', 'dpo', 'ft'];
const DIMENSIONS = ['accuracy', 'completeness', 'clarity', 'safety', 'overall'];
const REPEATS_PER_RATER = 10;
const CORRECTIONS_PER_OUTPUT = 3;
const RUNS = 3;
/** Rater pairs per dimension that get a kappa in the timed runs (of 19,900). */
const KAPPA_PAIRS = 200;

const rng = seededRng('blindeval-bench-analysis');
const normal = () => {
	// Irwin–Hall approximation: ample for synthetic scores, and cheap.
	let s = 0;
	for (let i = 0; i < 6; i++) s += rng();
	return (s - 3) / Math.sqrt(0.5);
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

function buildStudy() {
	const caseEffect = Array.from({ length: CASES }, () => 0.5 * normal());
	const cpEffect = [-0.3, 0, 0.15, 0.35];
	const raterBias = Array.from({ length: RATERS }, () => 0.3 * normal());
	const dimEffect = DIMENSIONS.map(() => 0.2 * normal());
	const pad = (n: number, w: number) => String(n).padStart(w, '0');
	const items = CHECKPOINTS.flatMap((checkpoint, k) =>
		Array.from({ length: CASES }, (_, c) => ({
			code: `I${pad(c, 3)}${k}`,
			caseId: `case-${pad(c, 3)}`,
			checkpoint,
			c,
			k
		}))
	);
	const ratings: RatingRow[] = [];
	for (let r = 0; r < RATERS; r++) {
		const rater = `rater-${pad(r, 3)}`;
		const start = ratings.length;
		for (const item of items) {
			const secondsOnItem = Math.round(30 + 90 * rng());
			DIMENSIONS.forEach((dimension, d) => {
				const latent =
					2.6 +
					caseEffect[item.c]! +
					cpEffect[item.k]! +
					raterBias[r]! +
					dimEffect[d]! +
					0.7 * normal();
				const score = Math.min(4, Math.max(1, Math.round(latent)));
				ratings.push({
					rater,
					caseId: item.caseId,
					itemCode: item.code,
					checkpoint: item.checkpoint,
					dimension,
					score,
					secondsOnItem
				});
			});
		}
		for (let t = 0; t < REPEATS_PER_RATER; t++) {
			const index = Math.floor(rng() * items.length);
			for (let d = 0; d < DIMENSIONS.length; d++) {
				const original = ratings[start + index * DIMENSIONS.length + d]!;
				const drift = rng() < 0.2 ? (rng() < 0.5 ? -1 : 1) : 0;
				ratings.push({
					...original,
					itemCode: `R${pad(r, 3)}${pad(t, 2)}`,
					score: Math.min(4, Math.max(1, original.score + drift)),
					repeatOf: original.itemCode
				});
			}
		}
	}

	const vocabulary = [
		'patient radiotherapy dose fraction tumour target volume planning lymph node boost toxicity',
		'follow-up imaging response chemotherapy concurrent adjuvant curative palliative grade skin',
		'oesophagitis pneumonitis fatigue recommendation control weeks treatment tolerated well'
	]
		.join(' ')
		.split(' ');
	const sentence = () => Array.from({ length: 12 }, () => pick(vocabulary)).join(' ') + '.';
	const modalities = ['photon', 'proton', 'electron', 'brachytherapy'];
	const keyword: Record<string, string> = {
		photon: 'VMAT',
		proton: 'proton therapy',
		electron: 'electron beam',
		brachytherapy: 'HDR brachytherapy'
	};
	const codes = ['C34.1', 'C50.4', 'C61', 'C53.9', 'C15.5', 'C20'];
	const cases: CaseRow[] = Array.from({ length: CASES }, (_, c) => {
		const goldModality = pick(modalities);
		const goldIcd10 = pick(codes);
		const body = Array.from({ length: 9 }, sentence);
		return {
			caseId: `case-${pad(c, 3)}`,
			goldModality,
			goldIcd10,
			reference: `Diagnosis (${goldIcd10}).\n${keyword[goldModality]} planned.\n${body.join('\n')}`
		};
	});
	const outputs: OutputRow[] = items.map((item) => {
		const ref = cases[item.c]!;
		const right = rng() < 0.6 + 0.1 * item.k;
		const modality = right ? ref.goldModality! : pick(modalities);
		const code = rng() < 0.8 ? ref.goldIcd10! : pick(codes);
		const lines = ref.reference!.split('\n').slice(2);
		const edited = lines.map((l) => (rng() < 0.4 ? sentence() : l));
		const text = `Diagnosis (${code}).\n${keyword[modality]} given.\n${edited.join('\n')}`;
		const corrected = Array.from({ length: CORRECTIONS_PER_OUTPUT }, (_, t) => ({
			rater: `rater-${pad(t, 3)}`,
			text: text.replace(/\b\w+\b/g, (w) => (rng() < 0.1 ? pick(vocabulary) : w))
		}));
		return { caseId: item.caseId, checkpoint: item.checkpoint, text, corrected };
	});
	return { ratings, outputs, cases };
}

/** The baseline: mean score per checkpoint × dimension with one plain loop over the rows. */
function plainMeans(ratings: readonly RatingRow[]): number[] {
	const cp = new Map(CHECKPOINTS.map((c, k) => [c, k]));
	const dim = new Map(DIMENSIONS.map((d, i) => [d, i]));
	const sum = new Float64Array(CHECKPOINTS.length * DIMENSIONS.length);
	const count = new Float64Array(sum.length);
	for (const r of ratings) {
		if (r.repeatOf) continue;
		const cell = cp.get(r.checkpoint)! * DIMENSIONS.length + dim.get(r.dimension)!;
		sum[cell]! += r.score;
		count[cell]!++;
	}
	return Array.from(sum, (s, i) => s / count[i]!);
}

/** The value with every object's keys sorted: the order keys were written in is not a result. */
function canonical(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(canonical);
	if (value === null || typeof value !== 'object') return value;
	const o = value as Record<string, unknown>;
	return Object.fromEntries(
		Object.keys(o)
			.sort()
			.map((k) => [k, canonical(o[k])])
	);
}

/**
 * FNV-1a (32 bit) of the result's JSON with sorted keys: equal digests across changes mean
 * identical results (values, not the order of an object's keys).
 */
function digest(value: unknown): string {
	const json = JSON.stringify(canonical(value));
	let h = 0x811c9dc5;
	for (let i = 0; i < json.length; i++) h = Math.imul(h ^ json.charCodeAt(i), 0x01000193);
	return (h >>> 0).toString(16).padStart(8, '0');
}

function median(xs: readonly number[]): number {
	const s = [...xs].sort((a, b) => a - b);
	const m = s.length >> 1;
	return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Timing {
	wall: number;
	cpu: number;
	sections: Map<StudySection, number>;
	result: ReturnType<typeof analyzeStudy>;
}

function timeAnalysis(
	data: ReturnType<typeof buildStudy>,
	config: AnalysisConfig,
	analyze: typeof analyzeStudy = analyzeStudy
): Timing {
	const sections = new Map<StudySection, number>();
	const cpuStart = process.cpuUsage();
	const start = performance.now();
	const result = analyze(data.ratings, data.outputs, data.cases, config, {
		now: () => performance.now(),
		onSection: (s, ms) => sections.set(s, ms)
	});
	const wall = performance.now() - start;
	const cpu = process.cpuUsage(cpuStart);
	return { wall, cpu: (cpu.user + cpu.system) / 1000, sections, result };
}

const RATING_SECTIONS: StudySection[] = [
	'prepare',
	'descriptives',
	'paired',
	'friedman',
	'agreement',
	'timePerItem',
	'acceptability'
];
const TEXT_SECTIONS: StudySection[] = [
	'rouge',
	'classification',
	'correctionEffort',
	'metricTests'
];

const loadBefore = loadavg()[0]!;
const buildStart = performance.now();
const data = buildStudy();
const buildMs = performance.now() - buildStart;
const primary = data.ratings.filter((r) => !r.repeatOf).length;

const config: AnalysisConfig = {
	seed: 'bench',
	dimensions: DIMENSIONS.map((key) => ({ key, label: key })),
	checkpoints: CHECKPOINTS,
	hypotheses: [{ better: 'ft', than: 'base' }],
	acceptability: { rule: 'overall >= 3', raters: 'majority' }
};

const baseline: number[] = [];
let check = 0;
for (let i = 0; i < RUNS + 1; i++) {
	const t = performance.now();
	check += plainMeans(data.ratings)[0]!;
	if (i > 0) baseline.push(performance.now() - t); // the first run warms the JIT
}

const beforePath = process.env.BENCH_BEFORE;
const before: typeof analyzeStudy | null = beforePath
	? ((await import(beforePath)) as { analyzeStudy: typeof analyzeStudy }).analyzeStudy
	: null;
const runs: Timing[] = [];
const beforeRuns: Timing[] = [];
for (let i = 0; i < RUNS; i++) {
	const subsampled = { ...config, maxKappaPairs: KAPPA_PAIRS };
	// Alternate the order so neither version always runs on a warmer heap.
	if (before && i % 2 === 0) beforeRuns.push(timeAnalysis(data, subsampled, before));
	runs.push(timeAnalysis(data, subsampled));
	if (before && i % 2 === 1) beforeRuns.push(timeAnalysis(data, subsampled, before));
}
const full = timeAnalysis(data, config);

const baseMs = median(baseline);
const wall = median(runs.map((r) => r.wall));
const cpu = median(runs.map((r) => r.cpu));
const section = (s: StudySection) => median(runs.map((r) => r.sections.get(s) ?? 0));
const sum = (xs: StudySection[], of: (s: StudySection) => number) =>
	xs.reduce((t, s) => t + of(s), 0);
const fullSection = (s: StudySection) => full.sections.get(s) ?? 0;
const fmt = (ms: number) => `${ms.toFixed(0).padStart(6)} ms`;
const a0 = full.result.agreement[0]!;
const pairs = a0.kappa.eligiblePairs.toLocaleString('en');
const lines = [
	'── analyzeStudy benchmark ──────────────────────────────────────────────────────',
	`data        ${primary.toLocaleString('en')} ratings: ${RATERS} raters × ${CHECKPOINTS.length * CASES} items (${CASES} cases × ${CHECKPOINTS.length} checkpoints) × ${DIMENSIONS.length} dimensions`,
	`            + ${(data.ratings.length - primary).toLocaleString('en')} repeat ratings, ${data.outputs.length} letters, ${data.outputs.length * CORRECTIONS_PER_OUTPUT} corrections (built in ${buildMs.toFixed(0)} ms)`,
	`machine     node ${process.version}, ${cpus().length} CPUs, load average ${loadBefore.toFixed(1)} before / ${loadavg()[0]!.toFixed(1)} after`,
	`baseline    ${fmt(baseMs)}  cell means by one plain loop over the rows (median of ${RUNS})`,
	`analysis    ${fmt(wall)}  wall, ${cpu.toFixed(0)} ms CPU; kappa on ${KAPPA_PAIRS} of ${pairs} rater pairs per dimension`,
	`            ${''.padStart(9)}  median of ${RUNS}: ${runs.map((r) => r.wall.toFixed(0)).join(', ')} ms; B = 2000 bootstrap replicates`,
	`            ${fmt(full.wall)}  wall, ${full.cpu.toFixed(0)} ms CPU; kappa on all ${pairs} pairs × ${DIMENSIONS.length} dimensions (one run)`,
	...(before
		? [
				`before      ${fmt(median(beforeRuns.map((r) => r.wall)))}  wall, ${median(beforeRuns.map((r) => r.cpu)).toFixed(0)} ms CPU: BENCH_BEFORE's analyzeStudy, alternating with this one (median of ${RUNS}: ${beforeRuns.map((r) => r.wall.toFixed(0)).join(', ')} ms); result ${digest(beforeRuns[0]!.result) === digest(runs[0]!.result) ? 'identical' : 'DIFFERENT'}`
			]
		: []),
	`ratio       ${(wall / baseMs).toFixed(0)}× baseline (subsampled kappa), ${(full.wall / baseMs).toFixed(0)}× (all pairs)`,
	`sections    ${''.padStart(9)}  ${'subsampled'.padStart(10)}  ${'all pairs'.padStart(9)}`
];
for (const s of [...RATING_SECTIONS, ...TEXT_SECTIONS]) {
	lines.push(`  ${s.padEnd(18)}  ${fmt(section(s))}  ${fmt(fullSection(s))}`);
}
lines.push(
	`  = ratings         ${fmt(sum(RATING_SECTIONS, section))}  ${fmt(sum(RATING_SECTIONS, fullSection))}   (scale with raters × items)`,
	`  = text metrics    ${fmt(sum(TEXT_SECTIONS, section))}  ${fmt(sum(TEXT_SECTIONS, fullSection))}   (scale with letters × length²)`,
	`digest      ${digest(runs[0]!.result)} (subsampled kappa), ${digest(full.result)} (all pairs): JSON of the whole result`,
	`check       alpha(${a0.dimension}) = ${a0.alpha?.estimate?.toFixed(3)} [${a0.alpha?.lower?.toFixed(3)}, ${a0.alpha?.upper?.toFixed(3)}], ICC block ${a0.icc?.raters} × ${a0.icc?.items}, baseline checksum ${check.toFixed(3)}`,
	'─────────────────────────────────────────────────────────────────────────────────'
);
console.log(lines.join('\n'));
