/**
 * `npm run cli -- power <slug> [options]`: the power and sample-size planner of the study's Power
 * page (server/power-planner.ts), printed as tables (or JSON with --format json).
 */
import { CLI } from '../lib/server/auth/actors';
import type { Db } from '../lib/server/db';
import { planPower, type PowerReport } from '../lib/server/power-planner';

/** Command-line flag → planner input field (the flags parseArgs must know). */
const FLAGS = {
	round: 'round',
	pilot: 'pilot',
	better: 'better',
	than: 'than',
	dimension: 'dimension',
	'than-distribution': 'thanDistribution',
	'better-distribution': 'betterDistribution',
	'mean-difference': 'meanDifference',
	'case-share': 'caseShare',
	'rater-share': 'raterShare',
	'interaction-share': 'interactionShare',
	design: 'design',
	raters: 'raters',
	'raters-per-letter': 'ratersPerLetter',
	checkpoints: 'checkpoints',
	cases: 'cases',
	alpha: 'alpha',
	alternative: 'alternative',
	aggregate: 'aggregate',
	targets: 'targets',
	'rater-options': 'raterOptions',
	'max-cases': 'maxCases',
	reps: 'reps',
	seed: 'seed'
} as const;

/** Flags of other commands too, which main.ts declares itself. */
type Shared = 'round' | 'design' | 'seed';
const SHARED: readonly string[] = ['round', 'design', 'seed'] satisfies Shared[];

export const POWER_OPTIONS = Object.fromEntries(
	Object.keys(FLAGS)
		.filter((flag) => !SHARED.includes(flag))
		.map((flag) => [flag, { type: 'string' as const }])
) as Record<Exclude<keyof typeof FLAGS, Shared>, { type: 'string' }>;

export const POWER_USAGE = `  power <slug> [--round NAME] [--pilot NAME] [--dimension KEY] [--better NAME --than NAME]
        [--than-distribution P1,P2,P3,P4] [--better-distribution … | --mean-difference D]
        [--case-share S] [--rater-share S] [--interaction-share S]
        [--design fully-crossed|balanced] [--raters R] [--raters-per-letter K] [--checkpoints K]
        [--cases 10,20,40] [--alpha A] [--alternative greater|two-sided] [--aggregate mean|median]
        [--targets 0.8,0.9] [--rater-options 1,2,3] [--max-cases N] [--reps N] [--seed S]
        [--format text|json]
                                       power of the primary comparison by simulation (same
                                       Wilcoxon test as the analysis) and the cases needed for
                                       80%/90% power; --round takes the test from its plan and
                                       its design, --pilot the distributions and variance
                                       shares from an unblinded round`;

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const dist = (p: readonly number[]) => p.map((v) => v.toFixed(2)).join(' / ');

/** The report as the terminal shows it. */
export function formatPowerReport(r: PowerReport): string {
	const d = r.design;
	const lines = [
		`Power of ${r.better} ${r.test.alternative === 'greater' ? '>' : '≠'} ${r.than}` +
			(r.dimension ? ` on ${r.dimension}` : '') +
			`: Wilcoxon signed-rank (${r.test.alternative === 'greater' ? 'one-sided' : 'two-sided'}) on per-case ${r.test.aggregate}s, α = ${r.test.alpha}`,
		`Scores 1–4: ${r.than} ${dist(r.model.than)} (mean ${r.model.thanMean.toFixed(2)}); ${r.better} ${dist(r.model.better)} (mean ${r.model.betterMean.toFixed(2)})`,
		`Latent variance shares: case ${r.model.caseShare.toFixed(2)}, rater ${r.model.raterShare.toFixed(2)}, case × checkpoint ${r.model.interactionShare.toFixed(2)}`,
		`Design: ${d.type === 'fully-crossed' ? `fully crossed, ${d.raters} rater(s)` : `balanced, ${d.ratersPerLetter} of ${d.raters} raters per letter`}, ${r.checkpoints} checkpoints; ${r.reps} simulated rounds per point, seed "${r.seed}"`
	];
	if (r.sources.length) lines.push(`From: ${r.sources.join('; ')}`);
	lines.push('', 'Cases  Power   MC SE   Letters per rater');
	for (const p of r.curve)
		lines.push(
			`${String(p.cases).padStart(5)}  ${pct(p.power).padStart(6)}  ${p.se.toFixed(3)}   ${p.lettersPerRater}`
		);
	const who = d.type === 'fully-crossed' ? 'Raters' : 'Raters per letter';
	const cell = (text: string) => text.padEnd(24);
	lines.push(
		'',
		`${who}  ${(r.required[0]?.results ?? []).map((t) => cell(`Cases for ${pct(t.target)}`)).join('')}`.trimEnd()
	);
	for (const row of r.required)
		lines.push(
			`${String(row.raters).padStart(who.length)}  ${row.results
				.map((t) =>
					cell(
						t.cases === null
							? `not within the largest number (${pct(t.power)})`
							: `${t.cases} (${pct(t.power)} ± ${t.se.toFixed(3)})`
					)
				)
				.join('')}`.trimEnd()
		);
	return lines.join('\n');
}

export async function powerCommand(
	db: Db,
	slug: string,
	values: Record<string, unknown>
): Promise<string> {
	const input: Record<string, unknown> = {};
	for (const [flag, field] of Object.entries(FLAGS))
		if (typeof values[flag] === 'string') input[field] = values[flag];
	const report = await planPower(db, CLI, slug, input);
	return values.format === 'json' ? JSON.stringify(report, null, 2) : formatPowerReport(report);
}
