// Over 300 lines: one use case, the planner; its input schema and the merging of plan, design,
// pilot and form into one model are read together.
/**
 * The power and sample-size planner behind the study's Power page and `npm run cli -- power`
 * (issue 13): reads the study (and optionally a round's analysis plan and design, and an
 * unblinded pilot round's ratings), validates the planning input by field, and runs the
 * simulation of analysis/power.ts within a work budget, yielding to the event loop between steps
 * so raters' saves are not held up while it runs.
 */
import { z } from 'zod';
import { SCORES } from '../domain/rating-form';
import { scaleOf } from '../domain/scales';
import { ConflictError, ValidationError, type Issue } from '../errors';
import {
	BudgetExceeded,
	expectedScore,
	ordinalSampler,
	powerCurve,
	ratersPerLetter,
	requiredCases,
	shiftedDistribution,
	type LatentModel,
	type PowerDesign,
	type PowerPoint,
	type PowerTest,
	type RequiredCases
} from '../analysis/power';
import { pilotEstimates, type PilotEstimates } from '../analysis/power-pilot';
import * as analysisPlans from './analysis-plans';
import { designOf } from './assign';
import { canReadAnalysis, requireThat } from './auth/access';
import type { Actor } from './auth/actors';
import type { Db } from './db';
import { longRows } from './exports';
import * as rounds from './rounds';
import * as studies from './studies/queries';

/** Work one run may do (simulated case-letters; about 2 million a second on one core here). */
export const WORK_BUDGET = 12_000_000;
export const MAX_REPS = 5000;
export const MAX_CASES = 1000;

/**
 * Simulations running in this process. One at a time: each is bounded by WORK_BUDGET, and a
 * second request is refused at once rather than queued behind it, so a few clicks cannot fill
 * the cores that raters' saves need.
 */
let running = 0;
const MAX_RUNNING = 1;

const list = (item: z.ZodNumber, max: number) =>
	z.preprocess(
		(v) =>
			typeof v === 'string'
				? v
						.split(/[\s,;]+/)
						.filter(Boolean)
						.map(Number)
				: v,
		z.array(item).min(1).max(max)
	);
const share = z.coerce.number().min(0).max(0.95);
/**
 * A score distribution over the four values of the default scale; a pilot on a dimension with
 * another scale (domain/scales.ts) gives its distributions itself.
 */
const distribution = list(z.number().min(0).max(1), SCORES.length)
	.refine((p) => p.length === SCORES.length, `give one share per score (${SCORES.join(', ')})`)
	.superRefine((p, ctx) => {
		const sum = p.reduce((s, v) => s + v, 0);
		if (Math.abs(sum - 1) > 0.011)
			ctx.addIssue({ code: 'custom', message: `the shares add up to ${sum.toFixed(3)}, not 1` });
	});
const blankToUndefined = (v: unknown) => (v === '' || v === null ? undefined : v);

export const plannerInputSchema = z
	.object({
		/** A round of the study: its plan (draft or locked) and design are the defaults. */
		round: z.preprocess(blankToUndefined, z.string().max(200).optional()),
		/** An unblinded round whose ratings give the distributions and variance shares. */
		pilot: z.preprocess(blankToUndefined, z.string().max(200).optional()),
		better: z.preprocess(blankToUndefined, z.string().max(80).optional()),
		than: z.preprocess(blankToUndefined, z.string().max(80).optional()),
		dimension: z.preprocess(blankToUndefined, z.string().max(80).optional()),
		thanDistribution: z.preprocess(blankToUndefined, distribution.optional()),
		betterDistribution: z.preprocess(blankToUndefined, distribution.optional()),
		meanDifference: z.preprocess(blankToUndefined, z.coerce.number().min(-3).max(3).optional()),
		caseShare: z.preprocess(blankToUndefined, share.optional()),
		raterShare: z.preprocess(blankToUndefined, share.optional()),
		interactionShare: z.preprocess(blankToUndefined, share.optional()),
		design: z.preprocess(blankToUndefined, z.enum(['fully-crossed', 'balanced']).optional()),
		raters: z.preprocess(blankToUndefined, z.coerce.number().int().min(1).max(50).optional()),
		ratersPerLetter: z.preprocess(
			blankToUndefined,
			z.coerce.number().int().min(1).max(50).optional()
		),
		checkpoints: z.preprocess(blankToUndefined, z.coerce.number().int().min(2).max(20).optional()),
		cases: z.preprocess(
			blankToUndefined,
			list(z.number().int().min(3).max(MAX_CASES), 20).optional()
		),
		alpha: z.preprocess(blankToUndefined, z.coerce.number().gt(0).max(0.2).optional()),
		alternative: z.preprocess(blankToUndefined, z.enum(['greater', 'two-sided']).optional()),
		aggregate: z.preprocess(blankToUndefined, z.enum(['mean', 'median']).optional()),
		targets: z.preprocess(blankToUndefined, list(z.number().gt(0).lt(1), 4).optional()),
		raterOptions: z.preprocess(
			blankToUndefined,
			list(z.number().int().min(1).max(50), 6).optional()
		),
		maxCases: z.preprocess(
			blankToUndefined,
			z.coerce.number().int().min(5).max(MAX_CASES).optional()
		),
		reps: z.preprocess(blankToUndefined, z.coerce.number().int().min(100).max(MAX_REPS).optional()),
		seed: z.preprocess(blankToUndefined, z.string().max(100).optional())
	})
	.strict();

export type PlannerInput = z.input<typeof plannerInputSchema>;

export interface PowerReport {
	study: string;
	/** Where the settings came from, in words (plan, round design, pilot, defaults). */
	sources: string[];
	better: string;
	than: string;
	dimension: string | null;
	model: LatentModel & { betterMean: number; thanMean: number };
	design: PowerDesign;
	checkpoints: number;
	test: PowerTest;
	reps: number;
	seed: string;
	curve: (PowerPoint & { lettersPerRater: number })[];
	/** Per raters option (raters in a fully crossed design, raters per letter in a balanced one). */
	required: { raters: number; results: RequiredCases[] }[];
	pilot: PilotEstimates | null;
}

function fail(field: string, message: string): never {
	throw new ValidationError([{ field, message }], 'The power planning input is not valid');
}

/** Letters each rater scores with n cases: all of them (crossed) or an even share (balanced). */
function lettersPerRater(design: PowerDesign, checkpoints: number, n: number): number {
	const letters = n * checkpoints;
	return design.type === 'fully-crossed'
		? letters
		: Math.ceil((letters * design.ratersPerLetter) / design.raters);
}

async function drive<T>(gen: Generator<number, T>): Promise<T> {
	for (;;) {
		const step = gen.next();
		if (step.done) return step.value;
		await new Promise((resolve) => setImmediate(resolve));
	}
}

/**
 * Power of the primary comparison over a range of cases, and the cases needed for each target
 * power per number of raters. Readers of analyses (coordinators, statisticians) may plan.
 */
export async function planPower(
	db: Db,
	actor: Actor,
	slug: string,
	raw: Record<string, unknown>
): Promise<PowerReport> {
	requireThat(canReadAnalysis(actor), 'Raters cannot plan studies');
	const parsed = plannerInputSchema.safeParse(raw);
	if (!parsed.success)
		throw new ValidationError(
			parsed.error.issues.map((i): Issue => ({
				field: i.path.join('.') || '(input)',
				message: i.message
			})),
			'The power planning input is not valid'
		);
	const input = parsed.data;
	const study = await studies.bySlug(db, slug);
	const studyRounds = await rounds.listForStudy(db, study.id);
	const sources: string[] = [];
	const roundNamed = (field: string, name: string) =>
		studyRounds.find((r) => r.name === name) ??
		fail(field, `no round "${name}" in study "${slug}"`);

	let planned: { better?: string; than?: string; dimension?: string } = {};
	let test: PowerTest = { alpha: 0.05, alternative: 'greater', aggregate: 'mean' };
	let design: PowerDesign = { type: 'fully-crossed', raters: 3 };
	let checkpoints = 2;
	if (input.round) {
		const round = roundNamed('round', input.round);
		// The planner simulates scores through the Wilcoxon test; a pairwise plan's sign test on
		// preferences is another model.
		if (round.kind === 'pairwise')
			fail(
				'round',
				`round "${round.name}" records preferences: the planner simulates rounds of scores (Wilcoxon on per-case scores), name a round of scores`
			);
		const stored = await analysisPlans.get(db, actor, round.id);
		if (stored?.plan) {
			const p = stored.plan;
			planned = { better: p.primary.better, than: p.primary.than, dimension: p.primary.dimension };
			test = { alpha: p.alpha, alternative: p.primary.alternative, aggregate: p.aggregate };
			sources.push(`test from the ${stored.status} plan of round "${round.name}"`);
		}
		const d = designOf(round);
		checkpoints = Math.max(2, d.checkpoints?.length ?? 2);
		if (d.type === 'balanced')
			design = { type: 'balanced', raters: 3, ratersPerLetter: d.ratersPerItem ?? 1 };
		sources.push(`design from round "${round.name}"`);
	}
	test = {
		alpha: input.alpha ?? test.alpha,
		alternative: input.alternative ?? test.alternative,
		aggregate: input.aggregate ?? test.aggregate
	};
	const better = input.better ?? planned.better ?? 'better';
	const than = input.than ?? planned.than ?? 'than';
	const dimension = input.dimension ?? planned.dimension ?? null;

	let pilot: PilotEstimates | null = null;
	// The scores of the model: the pilot dimension's own scale (domain/scales.ts), else 1–4.
	let scale: number[] = [...SCORES];
	if (input.pilot) {
		const round = roundNamed('pilot', input.pilot);
		if (round.status !== 'unblinded' || round.kind !== 'absolute')
			fail('pilot', `round "${round.name}" must be an unblinded round of scores to serve as pilot`);
		if (!dimension)
			fail('dimension', 'a pilot needs the dimension to read (or a round with a plan)');
		const own = round.form.dimensions.find((d) => d.key === dimension);
		if (!own)
			fail(
				'dimension',
				`the pilot's form has no dimension "${dimension}" (a plan's composite is not read from a pilot: name one of its dimensions)`
			);
		scale = [...scaleOf(own.scale).scores];
		for (const field of ['thanDistribution', 'betterDistribution'] as const)
			if (input[field] && input[field].length !== scale.length)
				fail(field, `give one share per score of "${dimension}" (${scale.join(', ')})`);
		const rows = (await longRows(db, actor, round.id)).filter((r) => r.dimension === dimension);
		pilot = pilotEstimates(
			rows.map((r) => ({
				rater: String(r.rater),
				caseId: String(r.case_id),
				checkpoint: String(r.checkpoint),
				score: Number(r.score),
				repeat: r.repeat_of !== null
			})),
			scale,
			{ better, than }
		);
		sources.push(
			`distributions and variance shares from pilot round "${round.name}" (${dimension})`
		);
	}

	const thanDistribution = input.thanDistribution ?? pilot?.than ?? [0.2, 0.3, 0.3, 0.2];
	if (input.betterDistribution && input.meanDifference !== undefined)
		fail('meanDifference', 'give either the better distribution or a mean difference, not both');
	let betterDistribution: number[];
	try {
		betterDistribution =
			input.betterDistribution ??
			(input.meanDifference !== undefined
				? shiftedDistribution(scale, thanDistribution, input.meanDifference)
				: (pilot?.better ?? shiftedDistribution(scale, thanDistribution, 0.5)));
	} catch (e) {
		fail('meanDifference', (e as Error).message);
	}
	const model: LatentModel = {
		scale,
		than: thanDistribution,
		better: betterDistribution,
		caseShare: input.caseShare ?? pilot?.caseShare ?? 0.3,
		raterShare: input.raterShare ?? pilot?.raterShare ?? 0.1,
		interactionShare: input.interactionShare ?? pilot?.interactionShare ?? 0.2
	};

	const type = input.design ?? design.type;
	const raters = input.raters ?? design.raters;
	design =
		type === 'balanced'
			? {
					type,
					raters,
					ratersPerLetter:
						input.ratersPerLetter ??
						(design.type === 'balanced' ? design.ratersPerLetter : Math.min(2, raters))
				}
			: { type, raters };
	checkpoints = input.checkpoints ?? checkpoints;
	const reps = input.reps ?? 1000;
	const seed = input.seed ?? 'power';
	const cases = [...new Set(input.cases ?? [10, 15, 20, 30, 40, 60, 80])].sort((a, b) => a - b);
	const targets = input.targets ?? [0.8, 0.9];
	const maxCases = input.maxCases ?? 300;
	const raterOptions = [...new Set(input.raterOptions ?? [1, 2, 3])].sort((a, b) => a - b);

	const samplerFor = (d: PowerDesign) => {
		try {
			return ordinalSampler(model, d, test.aggregate);
		} catch (e) {
			const message = (e as Error).message;
			const field = message.startsWith('than:')
				? 'thanDistribution'
				: message.startsWith('better:')
					? 'betterDistribution'
					: message.includes('share')
						? 'caseShare'
						: d === design
							? 'ratersPerLetter'
							: 'raterOptions';
			return fail(field, message);
		}
	};
	const sampler = samplerFor(design);
	const budget = { left: WORK_BUDGET, perCase: 1 + ratersPerLetter(design) };
	if (running >= MAX_RUNNING)
		throw new ConflictError('Another power simulation is running: try again in a moment');
	running++;
	try {
		const curve = await drive(powerCurve(sampler, cases, test, reps, seed, budget));
		const required: PowerReport['required'] = [];
		for (const r of raterOptions) {
			const d: PowerDesign =
				design.type === 'balanced'
					? { ...design, ratersPerLetter: r, raters: Math.max(design.raters, r) }
					: { type: 'fully-crossed', raters: r };
			budget.perCase = 1 + r;
			const results = await drive(
				requiredCases(samplerFor(d), targets, test, {
					reps,
					seed,
					minCases: 5,
					maxCases,
					budget
				})
			);
			required.push({ raters: r, results });
		}
		return {
			study: study.slug,
			sources,
			better,
			than,
			dimension,
			model: {
				...model,
				betterMean: expectedScore(scale, model.better),
				thanMean: expectedScore(scale, model.than)
			},
			design,
			checkpoints,
			test,
			reps,
			seed,
			curve: curve.map((p) => ({
				...p,
				lettersPerRater: lettersPerRater(design, checkpoints, p.cases)
			})),
			required,
			pilot
		};
	} catch (e) {
		if (e instanceof BudgetExceeded) fail('reps', e.message);
		throw e;
	} finally {
		running--;
	}
}

/** What the Power page offers: the study's rounds (for the plan and design) and pilot rounds. */
export async function plannerChoices(db: Db, actor: Actor, slug: string) {
	requireThat(canReadAnalysis(actor), 'Raters cannot plan studies');
	const study = await studies.bySlug(db, slug);
	const all = await rounds.listForStudy(db, study.id);
	return {
		study: { slug: study.slug, name: study.name },
		rounds: all.map((r) => r.name),
		pilots: all.filter((r) => r.status === 'unblinded' && r.kind === 'absolute').map((r) => r.name)
	};
}

/**
 * The Power page's query (a GET form, so a plan has its own URL): its fields as planner input,
 * blank ones dropped; `run` (the button) is not an input.
 */
export function plannerQuery(params: URLSearchParams): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [k, v] of params) if (k !== 'run' && v.trim()) out[k] = v.trim();
	return out;
}
