// Over 300 lines: one import transaction whose steps share the summary and the checks.
/**
 * Writes a validated study definition to the database in one transaction. Re-importing the same
 * definition changes nothing; a changed one updates what changed, and refuses changes that
 * would alter what raters already saw (an output inside a round).
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { and, eq } from 'drizzle-orm';
import { normalizeOutput, type NormalizeSettings } from '../../domain/normalize';
import { ConflictError, ValidationError } from '../../errors';
import type { Actor } from '../auth/actors';
import * as audit from '../audit/record';
import * as checks from './checks';
import type { Db } from '../db';
import { copyIn, copyRow } from '../db/copy';
import { cases, checkpoints, items, outputs, studies } from '../db/schema';
import type { CaseRow, Located } from '../../domain/study-definition';
import type { LoadedCheckpoint, StudyDefinition } from './loader';

export interface ImportSummary {
	studyId: string;
	slug: string;
	created: boolean;
	cases: { added: number; updated: number; unchanged: number };
	checkpoints: { added: number; updated: number; unchanged: number };
	outputs: { added: number; updated: number; unchanged: number };
}

const counter = () => ({ added: 0, updated: 0, unchanged: 0 });
// jsonb does not keep key order, so compare structurally.
const same = (a: unknown, b: unknown) => isDeepStrictEqual(a, b);

export async function importStudy(
	db: Db,
	actor: Actor,
	def: StudyDefinition,
	opts: { confirmPhi?: boolean } = {}
): Promise<ImportSummary> {
	// Issue 13: likely identifiers stop the import before anything is written (checks.ts).
	const phi = await checks.gateStudy(db, def, opts.confirmPhi);
	const leakage = checks.leakageOf(def);
	return db.transaction(async (tx) => {
		const summary: ImportSummary = {
			studyId: '',
			slug: def.slug,
			created: false,
			cases: counter(),
			checkpoints: counter(),
			outputs: counter()
		};
		const values = {
			slug: def.slug,
			name: def.study.name,
			description: def.study.description,
			seed: def.study.seed,
			form: def.study.form,
			analysis: def.study.analysis ?? null,
			normalize: def.study.normalize ?? null,
			phi: def.study.phi ?? null,
			analysisPlan: def.analysisPlan?.source ?? null,
			definitionHash: def.hash,
			sourceDir: def.dir
		};
		let [study] = await tx.select().from(studies).where(eq(studies.slug, def.slug));
		// The study's own fields before this import, for the audit row (null when it is new).
		const before = study
			? {
					name: study.name,
					description: study.description,
					seed: study.seed,
					form: study.form,
					analysis: study.analysis,
					normalize: study.normalize,
					hash: study.definitionHash
				}
			: null;
		if (!study) {
			[study] = await tx.insert(studies).values(values).returning();
			summary.created = true;
		} else if (study.definitionHash !== def.hash || study.sourceDir !== def.dir) {
			[study] = await tx
				.update(studies)
				.set({ ...values, updatedAt: new Date() })
				.where(eq(studies.id, study.id))
				.returning();
		}
		const studyId = study!.id;
		summary.studyId = studyId;

		const casesFile = `studies/${def.slug}/${def.study.cases}`;
		const caseIds = await upsertCases(tx, studyId, def.cases, casesFile, summary);
		for (const cp of def.checkpoints) {
			const checkpointId = await upsertCheckpoint(tx, studyId, cp, summary);
			if (cp.kind === 'imported')
				await upsertImported(tx, checkpointId, cp, caseIds, summary, values.normalize);
			else await ensurePending(tx, checkpointId, [...caseIds.values()]);
		}
		if (before && !same(before.normalize, values.normalize))
			await renormalize(tx, studyId, values.normalize, summary);
		await checks.recordChecks(tx, actor, studyId, phi, leakage);
		await audit.record(tx, actor, {
			action: summary.created ? 'study.create' : 'study.import',
			entity: 'study',
			entityId: studyId,
			studyId,
			before,
			after: {
				name: values.name,
				description: values.description,
				seed: values.seed,
				form: values.form,
				analysis: values.analysis,
				normalize: values.normalize,
				hash: def.hash,
				cases: summary.cases,
				checkpoints: summary.checkpoints,
				outputs: summary.outputs
			}
		});
		return summary;
	});
}

/** Adds and updates a study's cases (by case id, in file order); refuses to drop any. */
export async function upsertCases(
	tx: Db,
	studyId: string,
	rows: Located<CaseRow>[],
	file: string,
	summary: ImportSummary
): Promise<Map<string, string>> {
	const existing = await tx.select().from(cases).where(eq(cases.studyId, studyId));
	const byExternal = new Map(existing.map((c) => [c.externalId, c]));
	const inFile = new Set(rows.map((c) => c.value.id));
	const missing = existing.filter((c) => !inFile.has(c.externalId));
	if (missing.length) {
		throw new ValidationError(
			missing.map((c) => ({
				file,
				message: `case "${c.externalId}" was imported before and is missing now; removing cases from a study is not supported`
			}))
		);
	}
	const ids = new Map<string, string>();
	const added: { row: CaseInsert; line: number }[] = [];
	for (const [position, { value, line }] of rows.entries()) {
		const row = {
			studyId,
			externalId: value.id,
			position,
			source: value.source,
			reference: value.reference ?? null,
			goldModality: value.gold?.modality ?? null,
			goldIcd10: value.gold?.icd10 ?? null
		};
		const old = byExternal.get(value.id);
		if (!old) {
			added.push({ row, line });
			continue;
		}
		ids.set(value.id, old.id);
		const changed =
			old.position !== position ||
			!same(old.source, row.source) ||
			old.reference !== row.reference ||
			old.goldModality !== row.goldModality ||
			old.goldIcd10 !== row.goldIcd10;
		if (!changed) {
			summary.cases.unchanged++;
			continue;
		}
		await tx
			.update(cases)
			.set({ ...row, updatedAt: new Date() })
			.where(eq(cases.id, old.id));
		summary.cases.updated++;
	}
	// New cases go in through COPY: a study of 10,000 cases is a few statements, not 10,000.
	for (const { row } of added) ids.set(row.externalId, randomUUID());
	await copyRows(
		tx,
		'cases (id, study_id, external_id, position, source, reference, gold_modality, gold_icd10)',
		file,
		added,
		({ row }) =>
			copyRow([
				ids.get(row.externalId)!,
				studyId,
				row.externalId,
				String(row.position),
				JSON.stringify(row.source),
				row.reference,
				row.goldModality,
				row.goldIcd10
			])
	);
	summary.cases.added += added.length;
	return ids;
}

export async function upsertCheckpoint(
	tx: Db,
	studyId: string,
	cp: LoadedCheckpoint,
	summary: ImportSummary
): Promise<string> {
	const row = {
		studyId,
		name: cp.name,
		kind: cp.kind,
		manifestPath: cp.manifestPath ?? null,
		manifest: (cp.manifest as Record<string, unknown> | undefined) ?? null,
		outputsPath: cp.outputsPath ?? null,
		adapters: cp.manifest?.adapters.map((a) => ({ path: a.path, scale: a.scale })) ?? null
	};
	const [old] = await tx
		.select()
		.from(checkpoints)
		.where(and(eq(checkpoints.studyId, studyId), eq(checkpoints.name, cp.name)));
	if (!old) {
		const [created] = await tx.insert(checkpoints).values(row).returning({ id: checkpoints.id });
		summary.checkpoints.added++;
		return created!.id;
	}
	if (old.kind !== cp.kind) {
		throw new ConflictError(
			`Checkpoint "${cp.name}" was imported as ${old.kind} and is ${cp.kind} now; give it a new name instead`
		);
	}
	const changed =
		old.manifestPath !== row.manifestPath ||
		!same(old.manifest, row.manifest) ||
		old.outputsPath !== row.outputsPath;
	if (changed) {
		await tx
			.update(checkpoints)
			.set({ ...row, updatedAt: new Date() })
			.where(eq(checkpoints.id, old.id));
		summary.checkpoints.updated++;
	} else summary.checkpoints.unchanged++;
	return old.id;
}

export async function upsertImported(
	tx: Db,
	checkpointId: string,
	cp: LoadedCheckpoint,
	caseIds: Map<string, string>,
	summary: ImportSummary,
	settings: NormalizeSettings | null
): Promise<void> {
	const existing = await tx.select().from(outputs).where(eq(outputs.checkpointId, checkpointId));
	const byCase = new Map(existing.map((o) => [o.caseId, o]));
	const inRounds = new Set(
		existing.length
			? (
					await tx
						.select({ outputId: items.outputId })
						.from(items)
						.innerJoin(outputs, eq(outputs.id, items.outputId))
						.where(eq(outputs.checkpointId, checkpointId))
				).map((r) => r.outputId)
			: []
	);
	const added: { row: OutputInsert; line: number }[] = [];
	for (const { value, line } of cp.outputs ?? []) {
		const caseId = caseIds.get(value.case_id)!;
		const normalized = normalizeOutput(value.text, settings);
		const row = {
			caseId,
			checkpointId,
			status: 'done' as const,
			rawText: value.text,
			text: normalized.text,
			normalization: normalized.rules,
			error: null,
			provenance: { source: 'imported', file: cp.outputsPath, ...value.provenance }
		};
		const old = byCase.get(caseId);
		if (!old) {
			added.push({ row, line });
		} else if (old.rawText === row.rawText && same(old.provenance, row.provenance)) {
			summary.outputs.unchanged++;
		} else if (inRounds.has(old.id)) {
			throw new ConflictError(
				`${cp.outputsPath}, line ${line}: the output for case "${value.case_id}" changed, but raters already see it in a round; import it as a new checkpoint instead`
			);
		} else {
			await tx
				.update(outputs)
				.set({ ...row, updatedAt: new Date() })
				.where(eq(outputs.id, old.id));
			summary.outputs.updated++;
		}
	}
	await copyRows(
		tx,
		'outputs (case_id, checkpoint_id, status, raw_text, text, normalization, provenance)',
		cp.outputsPath ?? 'outputs',
		added,
		({ row }) =>
			copyRow([
				row.caseId,
				row.checkpointId,
				row.status,
				row.rawText,
				row.text,
				JSON.stringify(row.normalization),
				JSON.stringify(row.provenance)
			])
	);
	summary.outputs.added += added.length;
}

type OutputInsert = {
	caseId: string;
	checkpointId: string;
	status: 'done';
	rawText: string;
	text: string;
	normalization: string[];
	provenance: Record<string, unknown>;
};

type CaseInsert = {
	studyId: string;
	externalId: string;
	position: number;
	source: Record<string, unknown>;
	reference: string | null;
	goldModality: string | null;
	goldIcd10: string | null;
};

/** Characters of COPY text per statement: memory stays bounded however large the study. */
const COPY_CHARS = 2 * 1024 * 1024;

/**
 * New rows through COPY, in statements of about COPY_CHARS, all in one savepoint (the file has
 * been validated already, so a refusal here is a database constraint): an error names the file
 * and the line of the row COPY reports.
 */
async function copyRows<T extends { line: number }>(
	tx: Db,
	target: string,
	file: string,
	rows: T[],
	/** The row in COPY's text format, written when its statement is (not all at once). */
	text: (row: T) => string
): Promise<void> {
	if (!rows.length) return;
	let start = 0;
	try {
		await tx.transaction(async (sp) => {
			while (start < rows.length) {
				const data: string[] = [];
				let chars = 0;
				for (let i = start; i < rows.length && chars < COPY_CHARS; i++) {
					data.push(text(rows[i]!));
					chars += data.at(-1)!.length + 1;
				}
				await copyIn(sp, target, data.join('\n') + '\n');
				start += data.length;
			}
		});
	} catch (e) {
		const where = /\bline (\d+)\b/.exec(String((e as { where?: unknown }).where ?? ''));
		const row = where ? rows[start + Number(where[1]) - 1] : undefined;
		const message = e instanceof Error ? e.message : String(e);
		throw new ValidationError(
			[row ? { file, line: row.line, message } : { file, message }],
			'The study cannot be imported'
		);
	}
}

/**
 * The study's own normalization patterns changed: every finished output is normalized again.
 * An output whose text for raters would change while it is in a round is refused, like any
 * other change to what raters already see.
 */
async function renormalize(
	tx: Db,
	studyId: string,
	settings: NormalizeSettings | null,
	summary: ImportSummary
): Promise<void> {
	const done = await tx
		.select({
			id: outputs.id,
			rawText: outputs.rawText,
			text: outputs.text,
			normalization: outputs.normalization,
			caseId: cases.externalId,
			checkpoint: checkpoints.name
		})
		.from(outputs)
		.innerJoin(checkpoints, eq(checkpoints.id, outputs.checkpointId))
		.innerJoin(cases, eq(cases.id, outputs.caseId))
		.where(and(eq(checkpoints.studyId, studyId), eq(outputs.status, 'done')));
	for (const o of done) {
		if (o.rawText === null) continue; // a finished output always has its raw text
		const next = normalizeOutput(o.rawText, settings);
		if (next.text === o.text && same(next.rules, o.normalization)) continue;
		const [shown] = await tx
			.select({ id: items.id })
			.from(items)
			.where(eq(items.outputId, o.id))
			.limit(1);
		if (shown && next.text !== o.text)
			throw new ConflictError(
				`normalize.patterns: the letter of checkpoint "${o.checkpoint}" for case "${o.caseId}" would change, but raters already see it in a round; keep the patterns as they were`
			);
		await tx
			.update(outputs)
			.set({ text: next.text, normalization: next.rules, updatedAt: new Date() })
			.where(eq(outputs.id, o.id));
		summary.outputs.updated++;
	}
}

/** Local checkpoints get one pending output per case; generation fills them in. */
export async function ensurePending(
	tx: Db,
	checkpointId: string,
	caseIds: string[]
): Promise<void> {
	if (!caseIds.length) return;
	await tx
		.insert(outputs)
		.values(caseIds.map((caseId) => ({ caseId, checkpointId, status: 'pending' as const })))
		.onConflictDoNothing();
}
