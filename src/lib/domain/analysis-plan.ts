/**
 * A round's pre-registered analysis plan: the primary comparison, secondary comparisons, their
 * multiplicity correction, α, the agreement statistics to report and the exclusion rules,
 * written before unblinding and locked by its SHA-256 (computed in the server over
 * canonicalJson). Pure: validation against the round's checkpoints and dimensions happens here,
 * with errors by field; reading the YAML file and hashing are the caller's.
 */
import { z } from 'zod';
import { ValidationError, type Issue } from '../errors';

const nameSchema = z.string().trim().min(1).max(80);

export const comparisonSchema = z
	.object({
		/** The checkpoint expected to score higher (or the first of a two-sided pair). */
		better: nameSchema,
		than: nameSchema,
		/** A dimension key of the round's rating form. */
		dimension: nameSchema,
		test: z.literal('wilcoxon-signed-rank').default('wilcoxon-signed-rank'),
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

export type AnalysisPlan = z.output<typeof analysisPlanSchema>;
export type PlannedComparison = AnalysisPlan['primary'];

/** What the plan may name: the round's checkpoints and its form's dimension keys. */
export interface PlanScope {
	checkpoints: readonly string[];
	dimensions: readonly string[];
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
	const plan = parsed.data;
	const issues: Issue[] = [];
	const checkpoints = new Set(scope.checkpoints);
	const dimensions = new Set(scope.dimensions);
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
		if (!dimensions.has(c.dimension))
			issues.push(at([...path, 'dimension'], `the round's form has no dimension "${c.dimension}"`));
		// One test per pair and dimension: the analysis runs each pair with one alternative.
		const pair = [c.better, c.than].sort().join('\u0000');
		const alt = `${c.alternative}:${c.alternative === 'greater' ? c.better : ''}`;
		if (alternatives.has(pair) && alternatives.get(pair) !== alt)
			issues.push(
				at(
					[...path, 'alternative'],
					`contradicts another comparison of ${c.better} and ${c.than}: one pair has one alternative`
				)
			);
		alternatives.set(pair, alt);
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
	return `${c.better} ${relation} ${c.than} on ${c.dimension} (Wilcoxon signed-rank, ${c.alternative === 'greater' ? 'one-sided' : 'two-sided'})`;
}

/** The plan as readable sentences, for the round page, the CLI and the report. */
export function describePlan(plan: AnalysisPlan): string[] {
	const lines = [
		`Primary: ${describeComparison(plan.primary)}, on per-case ${plan.aggregate}s over raters, at α = ${plan.alpha}.`
	];
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
