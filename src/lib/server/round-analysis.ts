// Over 300 lines: the absolute and pairwise analyses of a round share their gathering of rows.
/**
 * The study analysis of a round, from the database: gathers ratings, outputs, corrections and
 * cases, and hands them to the pure analysis (src/lib/analysis/study/) with the study's
 * pre-registered settings. By checkpoint only after unblinding; before, only checkpoint-free
 * agreement (see checkpointFreeAgreement).
 */
import { caseTruth, taskOfStudy } from '../domain/tasks';
import { and, eq, inArray } from 'drizzle-orm';
import {
	analyzeStudy,
	checkpointFreeSummary,
	type DimensionAgreement,
	type StudyAnalysis
} from '../analysis/study';
import { extractionRulesOf } from '../analysis/label-extraction';
import { renderPairwiseReport } from '../analysis/pairwise-report';
import { renderMarkdownReport } from '../analysis/report';
import type { AnalysisPlan } from '../domain/analysis-plan';
import {
	confirmatoryResults,
	pairwiseConfirmatoryResults,
	planHypotheses,
	renderPreregistration,
	withPreregistration,
	type ConfirmatoryResult,
	type Preregistration
} from '../analysis/preregistered';
import * as analysisPlans from './analysis-plans';
import type { RatingForm } from '../domain/rating-form';
import { scaleOf } from '../domain/scales';
import { ConflictError } from '../errors';
import { designOf } from './assign';
import { canReadAnalysis, requireThat } from './auth/access';
import type { Actor } from './auth/actors';
import type { Db } from './db';
import { itemCaseCheckpoint } from './db/joins';
import {
	assignments,
	cases,
	checkpoints,
	corrections,
	items,
	outputs,
	raters,
	studies
} from './db/schema';
import { analyzePairwise, type PairwiseAnalysis } from '../analysis/pairwise-study';
import { longRows, pairwiseRows } from './exports';
import * as roundsService from './rounds';

/** The form's dimensions for the analysis, each with its own scale's scores (domain/scales.ts). */
function scaledDimensions(form: RatingForm) {
	return form.dimensions.map((d) => ({
		key: d.key,
		label: d.label,
		scale: [...scaleOf(d.scale).scores]
	}));
}

async function unblindedRound(db: Db, actor: Actor, roundId: string) {
	requireThat(canReadAnalysis(actor), 'Raters cannot see the analysis');
	const round = await roundsService.get(db, roundId);
	if (round.status !== 'unblinded')
		throw new ConflictError(
			`Round "${round.name}" is ${round.status}: lock and unblind it before analysing by checkpoint`
		);
	const [study] = await db.select().from(studies).where(eq(studies.id, round.studyId));
	return { round, study: study! };
}

/** An unblinded round and its study, read once per request. */
type Target = Awaited<ReturnType<typeof unblindedRound>>;

/** A checkpoint's name in the rows of an unblinded round (only those reach the analysis). */
function unblindedName(name: string | null): string {
	if (name === null) throw new Error('a checkpoint name is missing from an unblinded round');
	return name;
}

/**
 * A pairwise round's analysis: wins, ties and losses per pair of checkpoints and dimension, win
 * rates with Wilson intervals, exact sign tests, and Bradley–Terry strengths (analysis/pairwise-study.ts).
 */
export async function pairwiseAnalysis(
	db: Db,
	actor: Actor,
	roundId: string
): Promise<{
	analysis: PairwiseAnalysis;
	confirmatory: Preregistration;
	study: string;
	round: string;
}> {
	const target = await unblindedRound(db, actor, roundId);
	if (target.round.kind !== 'pairwise')
		throw new ConflictError(
			`Round "${target.round.name}" scores single letters: it has no comparisons`
		);
	return analysePairwise(db, actor, target);
}

async function analysePairwise(db: Db, actor: Actor, { round, study }: Target) {
	const rows = await pairwiseRows(db, actor, round.id);
	const run = (picked: typeof rows) =>
		analyzePairwise(
			picked.map((r) => ({
				rater: r.rater,
				caseId: r.case_id,
				left: unblindedName(r.left_checkpoint),
				right: unblindedName(r.right_checkpoint),
				dimension: r.dimension,
				winner: r.choice
			})),
			roundsService.designOf(round).checkpoints,
			round.form.dimensions.map((d) => d.key)
		);
	const analysis = run(rows);
	// The plan's comparisons are sign tests of preferences (preregistered.ts), on the raters
	// its completion rule keeps.
	const confirmatory = await confirm(
		db,
		round,
		await analysisPlans.forRound(db, round.id),
		(plan, excluded) =>
			pairwiseConfirmatoryResults(
				plan,
				excluded.length ? run(rows.filter((r) => !excluded.includes(r.rater))) : analysis
			)
	);
	return { analysis, confirmatory, study: study.slug, round: round.name };
}

/**
 * The round's locked plan with its confirmatory results, computed by `results` on the raters
 * the plan's completion rule keeps; an opt-out or no plan as it is.
 */
async function confirm(
	db: Db,
	round: Target['round'],
	pre: Awaited<ReturnType<typeof analysisPlans.forRound>>,
	results: (plan: AnalysisPlan, excluded: string[]) => ConfirmatoryResult[]
): Promise<Preregistration> {
	if (pre.kind !== 'plan') return pre;
	const { minCompletion } = pre.plan.exclusions;
	const excluded =
		minCompletion > 0
			? (await roundsService.progress(db, round))
					.filter((p) => p.total > 0 && p.done / p.total < minCompletion)
					.map((p) => p.pseudonym)
			: [];
	return { ...pre, excludedRaters: excluded, results: results(pre.plan, excluded) };
}

/** Whichever analysis the round's kind has, for the analysis page and the CLI. */
export async function anyRoundAnalysis(
	db: Db,
	actor: Actor,
	roundId: string
): Promise<
	| {
			kind: 'absolute';
			analysis: StudyAnalysis;
			confirmatory: Preregistration;
			study: string;
			round: string;
	  }
	| {
			kind: 'pairwise';
			analysis: PairwiseAnalysis;
			confirmatory: Preregistration;
			study: string;
			round: string;
	  }
> {
	return analyseAny(db, actor, await unblindedRound(db, actor, roundId));
}

function analyseAny(db: Db, actor: Actor, target: Target) {
	return target.round.kind === 'pairwise'
		? analysePairwise(db, actor, target).then((r) => ({ kind: 'pairwise' as const, ...r }))
		: analyseAbsolute(db, actor, target).then((r) => ({ kind: 'absolute' as const, ...r }));
}

export async function roundAnalysis(
	db: Db,
	actor: Actor,
	roundId: string
): Promise<{
	analysis: StudyAnalysis;
	confirmatory: Preregistration;
	study: string;
	round: string;
}> {
	return analyseAbsolute(db, actor, await unblindedRound(db, actor, roundId));
}

async function analyseAbsolute(db: Db, actor: Actor, { round, study }: Target) {
	const roundId = round.id;
	const rows = await longRows(db, actor, roundId);
	const shown = await itemCaseCheckpoint(
		db
			.select({
				outputId: items.outputId,
				caseId: cases.externalId,
				checkpoint: checkpoints.name,
				text: outputs.text
			})
			.from(items)
			.$dynamic()
	).where(eq(items.roundId, roundId));
	const fixes = await db
		.select({ outputId: items.outputId, rater: raters.pseudonym, body: corrections.body })
		.from(corrections)
		.innerJoin(assignments, eq(assignments.id, corrections.assignmentId))
		.innerJoin(items, eq(items.id, assignments.itemId))
		.innerJoin(raters, eq(raters.id, assignments.raterId))
		.where(eq(assignments.roundId, roundId));
	const byOutput = new Map<
		string,
		{
			caseId: string;
			checkpoint: string;
			text: string;
			corrected: { rater: string; text: string }[];
		}
	>();
	for (const s of shown)
		byOutput.set(s.outputId, {
			caseId: s.caseId,
			checkpoint: s.checkpoint,
			text: s.text ?? '',
			corrected: []
		});
	for (const f of fixes) byOutput.get(f.outputId)?.corrected.push({ rater: f.rater, text: f.body });
	const caseIds = [...new Set(shown.map((s) => s.caseId))];
	const caseRows = caseIds.length
		? await db
				.select()
				.from(cases)
				.where(and(eq(cases.studyId, round.studyId), inArray(cases.externalId, caseIds)))
		: [];
	const settings = study.analysis;
	const task = taskOfStudy(study, round.task);
	const design = designOf(round);
	// A locked plan fixes the aggregate and the one-sided hypotheses (issue 13); without one the
	// study's settings apply, and every result is exploratory.
	const pre = await analysisPlans.forRound(db, roundId);
	const plan = pre.kind === 'plan' ? pre.plan : null;
	const ratingsOf = (picked: typeof rows) =>
		picked.map((r) => ({
			rater: r.rater,
			caseId: r.case_id,
			itemCode: r.item_code,
			repeatOf: r.repeat_of,
			checkpoint: unblindedName(r.checkpoint),
			dimension: r.dimension,
			score: r.score,
			// A zero time is no time measured, as before.
			secondsOnItem: r.seconds_on_item || null
		}));
	const run = (ratings: ReturnType<typeof ratingsOf>) =>
		analyzeStudy(
			ratings,
			[...byOutput.values()],
			// The round's task decides the reference and the labels its outputs are scored on.
			caseRows.map((c) => caseTruth(task, c)),
			{
				seed: round.seed,
				aggregate: plan?.aggregate ?? settings?.aggregate ?? 'mean',
				// Study-level hypotheses apply only to the pairs the round has (a round over 2 of 3
				// checkpoints must not fail on one naming the third).
				hypotheses: plan
					? planHypotheses(plan)
					: (settings?.hypotheses ?? []).filter(
							(h) =>
								!design.checkpoints ||
								[h.better, h.than].every((c) => design.checkpoints!.includes(c))
						),
				rouge: settings?.rouge,
				extraction: extractionRulesOf(task.extraction ?? undefined),
				acceptability: settings?.acceptability,
				dimensions: scaledDimensions(round.form),
				checkpoints: design.checkpoints ?? [...new Set(shown.map((s) => s.checkpoint))].sort(),
				// Pairwise kappa grows with the square of the raters; a seeded subset keeps it bounded.
				maxKappaPairs: 500
			}
		);
	const all = ratingsOf(rows);
	const analysis = run(all);
	const confirmatory = await confirm(db, round, pre, (plan, excluded) => {
		const ratings = excluded.length ? all.filter((r) => !excluded.includes(r.rater)) : all;
		// Composites are tested on the same ratings the analysis was given.
		return confirmatoryResults(plan, excluded.length ? run(ratings) : analysis, ratings);
	});
	return { analysis, confirmatory, study: study.slug, round: round.name };
}

/** The paper-style report of a round (either kind), as Markdown. */
export async function roundReport(db: Db, actor: Actor, roundId: string): Promise<string> {
	const target = await unblindedRound(db, actor, roundId);
	const result = await analyseAny(db, actor, target);
	const meta = { study: result.study, round: result.round, generatedAt: new Date().toISOString() };
	const section = renderPreregistration(
		result.confirmatory,
		result.kind === 'absolute' ? result.analysis : undefined
	);
	if (result.kind === 'absolute')
		return withPreregistration(renderMarkdownReport(result.analysis, meta), section);
	return withPreregistration(
		renderPairwiseReport(result.analysis, {
			...meta,
			dimensions: target.round.form.dimensions.map((d) => ({ key: d.key, label: d.label }))
		}),
		section
	);
}

/**
 * Agreement per dimension without any checkpoint identity: what coordinators may see while the
 * round is still blinded (open or locked).
 */
export async function blindedAgreement(
	db: Db,
	actor: Actor,
	roundId: string
): Promise<DimensionAgreement[]> {
	requireThat(canReadAnalysis(actor), 'Raters cannot see the analysis');
	const round = await roundsService.get(db, roundId);
	const rows = await longRows(db, actor, roundId);
	return checkpointFreeSummary(
		rows.map((r) => ({
			rater: r.rater,
			caseId: r.case_id,
			itemCode: r.item_code,
			dimension: r.dimension,
			score: r.score
		})),
		{
			dimensions: scaledDimensions(round.form),
			seed: round.seed,
			bootstrapReplicates: 500,
			maxKappaPairs: 200
		}
	).agreement;
}
