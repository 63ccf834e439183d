/**
 * A round's pre-registered analysis plan: the primary comparison, secondary comparisons, their
 * multiplicity correction, α, the agreement statistics to report and the exclusion rules,
 * written before unblinding and locked by its SHA-256 (computed in the server over
 * canonicalJson). Pure: validation against the round's checkpoints and dimensions happens here,
 * with errors by field; reading the YAML file and hashing are the caller's.
 *
 * A comparison is on one dimension of the form or on a composite the plan defines (the mean of
 * several dimensions, per rater and letter). Scored rounds test per-case scores with the
 * Wilcoxon signed-rank test; pairwise rounds test preferences with the exact sign test.
 */
import { z } from 'zod';
import { ValidationError, type Issue } from '../errors';

const nameSchema = z.string().trim().min(1).max(80);

export const PLAN_TESTS = ['wilcoxon-signed-rank', 'sign-test'] as const;
export type PlanTest = (typeof PLAN_TESTS)[number];

/**
 * A composite outcome: per rater and letter, the mean of that rater's scores on the dimensions
 * it names (only when the rater scored all of them); per case, the plan's aggregate over raters.
 */
export const compositeSchema = z
	.object({
		name: nameSchema,
		mean: z.array(nameSchema).min(2).max(20)
	})
	.strict();

export const comparisonSchema = z
	.object({
		/** The checkpoint expected to score higher (or the first of a two-sided pair). */
		better: nameSchema,
		than: nameSchema,
		/** A dimension key of the round's rating form. */
		dimension: nameSchema,
		/**
		 * Filled by the round's kind when left out: Wilcoxon signed-rank on per-case scores for
		 * scored rounds, the exact sign test on preferences (ties excluded) for pairwise rounds.
		 */
		test: z.enum(PLAN_TESTS).optional(),
		/** 'greater': one-sided, better > than; 'two-sided': any difference. */
		alternative: z.enum(['greater', 'two-sided']).default('greater')
	})
	.strict();

export const AGREEMENT_STATISTICS = ['krippendorff-alpha', 'icc', 'weighted-kappa'] as const;

export const analysisPlanSchema = z
	.object({
		version: z.literal(1).default(1),
		alpha: z.number().gt(0).max(0.2).default(0.05),
		/** Per-case score over raters, on which every comparison is tested. */
		aggregate: z.enum(['mean', 'median']).default('mean'),
		/** Composite outcomes comparisons may name as their dimension (scored rounds only). */
		composites: z.array(compositeSchema).max(20).optional(),
		primary: comparisonSchema,
		secondary: z.array(comparisonSchema).max(50).default([]),
		/** Over the secondary comparisons; the primary is tested alone at α. */
		correction: z.enum(['holm', 'bh', 'none']).default('holm'),
		agreement: z.array(z.enum(AGREEMENT_STATISTICS)).max(AGREEMENT_STATISTICS.length).default([]),
		exclusions: z
			.object({
				/** Raters who answered less than this share of their assignments are left out. */
				minCompletion: z.number().min(0).max(1).default(0),
				/** Repeated showings serve intra-rater agreement only, never the comparisons. */
				repeats: z.literal('intra-rater-only').default('intra-rater-only')
			})
			.strict()
			.default({ minCompletion: 0, repeats: 'intra-rater-only' }),
		notes: z.string().max(5000).optional()
	})
	.strict();

type ParsedPlan = z.output<typeof analysisPlanSchema>;
export type PlannedComparison = ParsedPlan['primary'] & { test: PlanTest };
export type Composite = z.output<typeof compositeSchema>;
export type AnalysisPlan = Omit<ParsedPlan, 'primary' | 'secondary'> & {
	primary: PlannedComparison;
	secondary: PlannedComparison[];
};

/**
 * What the plan may name: the round's checkpoints and its form's dimension keys, and the kind of
 * round (a study's own analysis-plan.yaml is checked without one: each round checks its copy).
 */
export interface PlanScope {
	checkpoints: readonly string[];
	dimensions: readonly string[];
	kind?: 'absolute' | 'pairwise';
}

/** The comparison's test when the plan leaves it out: the one the round's kind has. */
export const defaultTest = (kind: PlanScope['kind']): PlanTest =>
	kind === 'pairwise' ? 'sign-test' : 'wilcoxon-signed-rank';

/** The composite a comparison names, if it names one. */
export function compositeOf(plan: AnalysisPlan, dimension: string): Composite | undefined {
	return plan.composites?.find((c) => c.name === dimension);
}

/**
 * Validates a plan (a parsed YAML or JSON value) against the round it belongs to. Every issue
 * names its field (dot path) and, when `lineOf` is given, its line in `file`.
 */
export function parseAnalysisPlan(
	value: unknown,
	scope: PlanScope,
	where: { file?: string; lineOf?: (path: (string | number)[]) => number | undefined } = {}
): AnalysisPlan {
	const at = (path: (string | number)[], message: string): Issue => ({
		...(where.file ? { file: where.file } : {}),
		...(where.lineOf ? { line: where.lineOf(path) } : {}),
		field: path.length ? path.join('.') : '(root)',
		message
	});
	const parsed = analysisPlanSchema.safeParse(value);
	if (!parsed.success)
		throw new ValidationError(
			parsed.error.issues.map((i) => at(i.path as (string | number)[], i.message)),
			'The analysis plan is not valid'
		);
	const withTest = (c: ParsedPlan['primary']): PlannedComparison => ({
		...c,
		test: c.test ?? defaultTest(scope.kind)
	});
	const plan: AnalysisPlan = {
		...parsed.data,
		primary: withTest(parsed.data.primary),
		secondary: parsed.data.secondary.map(withTest)
	};
	const issues: Issue[] = [];
	const checkpoints = new Set(scope.checkpoints);
	const dimensions = new Set(scope.dimensions);
	const outcomes = new Set(dimensions);
	for (const [i, composite] of (plan.composites ?? []).entries()) {
		const path = ['composites', i];
		if (scope.kind === 'pairwise')
			issues.push(
				at(path, 'a pairwise round records preferences, not scores: it has no composites')
			);
		if (outcomes.has(composite.name))
			issues.push(
				at(
					[...path, 'name'],
					dimensions.has(composite.name)
						? `"${composite.name}" is a dimension of the form already`
						: `repeats the composite "${composite.name}"`
				)
			);
		outcomes.add(composite.name);
		const named = new Set<string>();
		for (const [j, d] of composite.mean.entries()) {
			if (!dimensions.has(d))
				issues.push(at([...path, 'mean', j], `the round's form has no dimension "${d}"`));
			else if (named.has(d)) issues.push(at([...path, 'mean', j], `names "${d}" twice`));
			named.add(d);
		}
	}
	const all: [PlannedComparison, (string | number)[]][] = [
		[plan.primary, ['primary']],
		...plan.secondary.map((c, i): [PlannedComparison, (string | number)[]] => [c, ['secondary', i]])
	];
	const alternatives = new Map<string, string>();
	const seen = new Set<string>();
	for (const [c, path] of all) {
		for (const key of ['better', 'than'] as const)
			if (!checkpoints.has(c[key]))
				issues.push(at([...path, key], `the round has no checkpoint "${c[key]}"`));
		if (c.better === c.than)
			issues.push(at([...path, 'than'], 'compares a checkpoint with itself'));
		if (!outcomes.has(c.dimension))
			issues.push(
				at(
					[...path, 'dimension'],
					`the round's form has no dimension "${c.dimension}"${plan.composites?.length ? ' and the plan no composite of that name' : ''}`
				)
			);
		if (scope.kind && c.test !== defaultTest(scope.kind))
			issues.push(
				at(
					[...path, 'test'],
					scope.kind === 'pairwise'
						? 'a pairwise round records preferences: its comparisons use the sign-test'
						: 'a scored round compares per-case scores: its comparisons use wilcoxon-signed-rank'
				)
			);
		// The score analysis runs each pair of checkpoints with one alternative over its form
		// dimensions; composites and preferences are tested one by one (preregistered.ts).
		const pair = [c.better, c.than].sort().join('\u0000');
		const alt = `${c.alternative}:${c.alternative === 'greater' ? c.better : ''}`;
		if (scope.kind !== 'pairwise' && dimensions.has(c.dimension)) {
			if (alternatives.has(pair) && alternatives.get(pair) !== alt)
				issues.push(
					at(
						[...path, 'alternative'],
						`contradicts another comparison of ${c.better} and ${c.than}: one pair has one alternative`
					)
				);
			alternatives.set(pair, alt);
		}
		const key = `${pair}\u0000${c.dimension}`;
		if (seen.has(key))
			issues.push(
				at(path, `repeats the comparison of ${c.better} and ${c.than} on ${c.dimension}`)
			);
		seen.add(key);
	}
	if (issues.length) throw new ValidationError(issues, 'The analysis plan is not valid');
	return plan;
}

/**
 * Canonical JSON: object keys sorted at every depth, no whitespace, undefined members dropped.
 * Equal plans give equal strings whatever their key order, so their SHA-256 is the plan's
 * identity (RFC 8785 in spirit; plans hold only strings, finite numbers and arrays).
 */
export function canonicalJson(value: unknown): string {
	if (value === null || typeof value !== 'object') {
		if (typeof value === 'number' && !Number.isFinite(value))
			throw new RangeError('canonicalJson: numbers must be finite');
		return JSON.stringify(value);
	}
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	const entries = Object.entries(value as Record<string, unknown>)
		.filter(([, v]) => v !== undefined)
		.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

function describeComparison(c: PlannedComparison): string {
	const relation = c.alternative === 'greater' ? '>' : '≠';
	const test = c.test === 'sign-test' ? 'exact sign test, ties excluded' : 'Wilcoxon signed-rank';
	return `${c.better} ${relation} ${c.than} on ${c.dimension} (${test}, ${c.alternative === 'greater' ? 'one-sided' : 'two-sided'})`;
}

/** The plan as readable sentences, for the round page, the CLI and the report. */
export function describePlan(plan: AnalysisPlan): string[] {
	const pairwise = plan.primary.test === 'sign-test';
	const lines = [
		`Primary: ${describeComparison(plan.primary)}, ${pairwise ? "on the raters' preferences" : `on per-case ${plan.aggregate}s over raters`}, at α = ${plan.alpha}.`
	];
	for (const c of plan.composites ?? [])
		lines.push(
			`Composite ${c.name}: the mean of ${c.mean.join(', ')}, per rater and letter (only letters scored on all of them).`
		);
	if (plan.secondary.length)
		lines.push(
			`Secondary (${plan.correction === 'none' ? 'no correction' : plan.correction === 'bh' ? 'Benjamini–Hochberg' : 'Holm'} over ${plan.secondary.length}): ` +
				plan.secondary.map(describeComparison).join('; ') +
				'.'
		);
	lines.push(
		`Agreement to report: ${plan.agreement.length ? plan.agreement.join(', ') : 'none named'}.`,
		`Exclusions: raters below ${Math.round(plan.exclusions.minCompletion * 100)}% completion; repeated items serve intra-rater agreement only.`
	);
	if (plan.notes) lines.push(`Notes: ${plan.notes}`);
	return lines;
}
