// Over 300 lines: the two import checks, PHI and leakage, recorded in one audit row, shown as one.
/**
 * The import checks of issue 13: the PHI scan (domain/phi) of cases, reference letters and
 * imported outputs before anything is written, and the leakage check (domain/leakage) of each
 * checkpoint's training data against the evaluation cases. The scan stops an import unless the
 * coordinator confirms it (audited) or study.yaml declares the data de-identified; leakage is
 * reported on import, kept with the checkpoint, and checked again when a round opens.
 */
import { and, eq, inArray } from 'drizzle-orm';
import {
	describeMatch,
	findLeakage,
	flattenText,
	type EvalCase,
	type LeakageMatch,
	type LeakageReport
} from '../../domain/leakage';
import { countByKind, findingIssue, scanRows, type PhiFinding } from '../../domain/phi/scan';
import { institutionPatterns, type PhiSettings } from '../../domain/phi/settings';
import { formatIssue, ValidationError } from '../../errors';
import type { Actor } from '../auth/actors';
import * as audit from '../audit/record';
import type { Db } from '../db';
import { cases, checkpoints, items, outputs, rounds, studies } from '../db/schema';
import { designOf } from '../assign';
import type { StudyDefinition } from './loader';
import type { TrainingData } from './training-data';

/**
 * The import stopped on likely identifiers: every finding, masked, by file, line and field. Its
 * name stays "ValidationError", so the CLI prints its message (not a stack) like any other.
 */
export class PhiFindingsError extends ValidationError {
	readonly findings: PhiFinding[];
	constructor(findings: PhiFinding[]) {
		super(
			findings.map(findingIssue),
			`Import stopped: ${findings.length} likely patient identifier${findings.length === 1 ? '' : 's'} found (shown masked). Remove them, confirm that the data may be imported as they are, or declare the study de-identified (phi.deidentified: true in study.yaml)`
		);
		this.findings = findings;
	}
}

/** What the scan found and why the import may go on. */
export interface PhiGate {
	findings: PhiFinding[];
	/**
	 * Why findings did not stop the import: the coordinator confirmed, the study declares it, or
	 * the very same files were imported before (and so passed then: generation re-imports).
	 */
	allowedBy?: 'confirmed' | 'deidentified' | 'unchanged';
}

/** The file name cases are shown under, as importStudy names them. */
export const casesFileOf = (def: StudyDefinition) => `studies/${def.slug}/${def.study.cases}`;

/** Scans a study definition's cases and imported outputs. */
export function scanStudy(def: StudyDefinition): PhiFinding[] {
	const institution = institutionPatterns(def.study.phi);
	return [
		...scanRows(def.cases, casesFileOf(def), institution),
		...def.checkpoints.flatMap((cp) =>
			scanRows(cp.outputs ?? [], `studies/${def.slug}/${cp.outputsPath}`, institution)
		)
	];
}

/** Scans an outputs file being imported into a study, with the study's own patterns. */
export function scanFile(
	rows: Iterable<{ line: number; value: unknown }>,
	file: string,
	settings: PhiSettings | null | undefined
): PhiFinding[] {
	return scanRows(rows, file, institutionPatterns(settings));
}

/**
 * Lets an import go on when nothing was found, the study is declared de-identified, or the
 * coordinator confirmed; else stops it before anything is written.
 * @throws PhiFindingsError listing every finding, masked
 */
export function gatePhi(
	findings: PhiFinding[],
	settings: PhiSettings | null | undefined,
	confirmed = false
): PhiGate {
	if (!findings.length) return { findings };
	if (settings?.deidentified) return { findings, allowedBy: 'deidentified' };
	if (confirmed) return { findings, allowedBy: 'confirmed' };
	throw new PhiFindingsError(findings);
}

/** gatePhi for a study folder: the same files imported before (same definition hash) pass. */
export async function gateStudy(db: Db, def: StudyDefinition, confirmed = false): Promise<PhiGate> {
	const findings = scanStudy(def);
	if (findings.length && !confirmed && !def.study.phi?.deidentified) {
		const [row] = await db
			.select({ hash: studies.definitionHash })
			.from(studies)
			.where(eq(studies.slug, def.slug));
		if (row?.hash === def.hash) return { findings, allowedBy: 'unchanged' };
	}
	return gatePhi(findings, def.study.phi, confirmed);
}

/** The evaluation cases of a definition as the leakage check sees them. */
export function evalCases(def: StudyDefinition): EvalCase[] {
	return def.cases.map(({ value }) => ({
		id: value.id,
		source: flattenText(value.source),
		...(value.reference ? { reference: value.reference } : {})
	}));
}

/** A checkpoint's leakage against a study's stored cases (a manifest added on the set-up page). */
export function leakageOfStored(
	name: string,
	rows: { externalId: string; source: Record<string, unknown>; reference: string | null }[],
	training: TrainingData | undefined
): Map<string, LeakageReport | null> {
	if (!training) return new Map();
	const evals = rows.map((r) => ({
		id: r.externalId,
		source: flattenText(r.source),
		...(r.reference ? { reference: r.reference } : {})
	}));
	return new Map([
		[name, { ...findLeakage(evals, training.examples, training.shown), source: training.real }]
	]);
}

/** Each checkpoint's leakage report (null: it names no training data). */
export function leakageOf(def: StudyDefinition): Map<string, LeakageReport | null> {
	const evals = evalCases(def);
	return new Map(
		def.checkpoints.map((cp) => [
			cp.name,
			cp.trainingData
				? {
						...findLeakage(evals, cp.trainingData.examples, cp.trainingData.shown),
						source: cp.trainingData.real
					}
				: null
		])
	);
}

/**
 * Keeps each checkpoint's leakage report and writes one audit row for the checks of this
 * import: the PHI findings by kind and file (never their text) and why they were let through,
 * and the leaked cases per checkpoint. Call inside the import's transaction.
 */
export async function recordChecks(
	tx: Db,
	actor: Actor,
	studyId: string,
	phi: PhiGate,
	leakage: Map<string, LeakageReport | null> = new Map()
): Promise<void> {
	for (const [name, report] of leakage)
		await tx
			.update(checkpoints)
			.set({ leakage: report })
			.where(and(eq(checkpoints.studyId, studyId), eq(checkpoints.name, name)));
	const leaked = [...leakage].filter(([, r]) => r);
	if (!phi.findings.length && !leaked.length) return;
	await audit.record(tx, actor, {
		action: 'study.import-checks',
		entity: 'study',
		entityId: studyId,
		studyId,
		after: {
			phi: phi.findings.length
				? {
						findings: phi.findings.length,
						byKind: countByKind(phi.findings),
						files: [...new Set(phi.findings.map((f) => f.file))],
						allowedBy: phi.allowedBy
					}
				: null,
			leakage: Object.fromEntries(
				leaked.map(([name, r]) => [name, { file: r!.file, leakedCases: r!.leakedCases }])
			)
		}
	});
}

/** A checkpoint's leakage as far as one round is concerned: the leaked cases it rates. */
export interface RoundLeakage {
	checkpoint: string;
	/** The training data file, or null when the checkpoint names none (not checked). */
	file: string | null;
	examples: number;
	/** Leaked cases among the round's items, and the matching pairs for them. */
	leakedCases: string[];
	matches: LeakageMatch[];
	lines: string[];
}

/** The cases each checkpoint of a round's design has an output for. */
async function casesOfDesign(db: Db, roundId: string) {
	const [round] = await db.select().from(rounds).where(eq(rounds.id, roundId));
	const names = round ? (designOf(round).checkpoints ?? []) : [];
	if (!names.length) return [];
	return db
		.selectDistinct({ checkpointId: outputs.checkpointId, caseId: cases.externalId })
		.from(outputs)
		.innerJoin(checkpoints, eq(checkpoints.id, outputs.checkpointId))
		.innerJoin(cases, eq(cases.id, outputs.caseId))
		.where(and(eq(checkpoints.studyId, round!.studyId), inArray(checkpoints.name, names)));
}

/** The leakage result per checkpoint of a round, for its page and for opening it. */
export async function roundLeakage(db: Db, roundId: string): Promise<RoundLeakage[]> {
	// The letters of the round's items: the one of an absolute item, both of a pairwise one.
	const shown = (output: typeof items.outputId | typeof items.rightOutputId) =>
		db
			.selectDistinct({ checkpointId: outputs.checkpointId, caseId: cases.externalId })
			.from(items)
			.innerJoin(outputs, eq(outputs.id, output))
			.innerJoin(cases, eq(cases.id, outputs.caseId))
			.where(eq(items.roundId, roundId));
	const rows = [...(await shown(items.outputId)), ...(await shown(items.rightOutputId))];
	const inRound = new Map<string, Set<string>>();
	// A pairwise round gets its items when it opens: until then it rates every case of its
	// checkpoints.
	const unopened = rows.length ? [] : await casesOfDesign(db, roundId);
	for (const r of [...rows, ...unopened])
		inRound.set(r.checkpointId, (inRound.get(r.checkpointId) ?? new Set()).add(r.caseId));
	if (!inRound.size) return [];
	const cps = await db
		.select({ id: checkpoints.id, name: checkpoints.name, leakage: checkpoints.leakage })
		.from(checkpoints)
		.where(inArray(checkpoints.id, [...inRound.keys()]))
		.orderBy(checkpoints.name);
	return cps.map((cp) => {
		const rated = inRound.get(cp.id)!;
		const matches = (cp.leakage?.matches ?? []).filter((m) => rated.has(m.caseId));
		return {
			checkpoint: cp.name,
			file: cp.leakage?.file ?? null,
			examples: cp.leakage?.examples ?? 0,
			leakedCases: (cp.leakage?.leakedCases ?? []).filter((c) => rated.has(c)),
			matches,
			lines: matches.map(describeMatch)
		};
	});
}

/**
 * Opening a round whose checkpoints were trained on some of its cases needs an explicit,
 * audited confirmation. Call inside the opening's transaction.
 * @throws ValidationError (field confirmLeakage) naming each checkpoint and its leaked cases
 */
export async function requireLeakageConfirmed(
	tx: Db,
	actor: Actor,
	round: { id: string; name: string; studyId: string },
	confirmed: boolean
): Promise<void> {
	const leaked = (await roundLeakage(tx, round.id)).filter((r) => r.leakedCases.length);
	if (!leaked.length) return;
	if (!confirmed)
		throw new ValidationError(
			leaked.map((r) => ({
				field: 'confirmLeakage',
				message: `checkpoint "${r.checkpoint}" was trained on ${r.leakedCases.length} of this round's cases (${r.leakedCases.join(', ')}; training data ${r.file}); confirm to open the round anyway`
			})),
			`Round "${round.name}" rates cases found in training data`
		);
	await audit.record(tx, actor, {
		action: 'round.leakage-confirm',
		entity: 'round',
		entityId: round.id,
		studyId: round.studyId,
		after: Object.fromEntries(
			leaked.map((r) => [r.checkpoint, { file: r.file, leakedCases: r.leakedCases }])
		)
	});
}

/** The checks of a study folder as text for the command line (`check`), without importing it. */
export function describeChecks(def: StudyDefinition): {
	lines: string[];
	/** Whether an import would stop on likely identifiers. */
	stops: boolean;
	/** Whether any checkpoint's training data holds an evaluation case. */
	leaked: boolean;
} {
	const findings = scanStudy(def);
	const lines = [`PHI scan of ${def.cases.length} cases and their imported outputs:`];
	if (!findings.length) lines.push('  no likely patient identifier found.');
	else {
		const declared = def.study.phi?.deidentified;
		lines.push(
			`  ${findings.length} likely identifier(s), shown masked${declared ? ' (the study declares its data de-identified: import goes on)' : ' (import stops unless confirmed with --confirm-phi)'}:`,
			...findings.map((f) => `  - ${formatIssue(findingIssue(f))}`)
		);
	}
	const leakage = leakageOf(def);
	lines.push('Leakage check against training data:');
	let leaked = false;
	for (const [name, report] of leakage) {
		if (!report) {
			lines.push(`  ${name}: no training data named; not checked.`);
			continue;
		}
		leaked ||= report.leakedCases.length > 0;
		lines.push(
			`  ${name}: ${report.leakedCases.length} of ${def.cases.length} cases found in ${report.file} (${report.examples} examples, threshold ${report.threshold})${report.leakedCases.length ? ':' : '.'}`,
			...report.matches.map((m) => `  - ${describeMatch(m)}`)
		);
	}
	return { lines, stops: findings.length > 0 && !def.study.phi?.deidentified, leaked };
}
