/**
 * A study's checkpoints and their outputs, inside an import transaction: imported outputs are
 * added or updated (never once raters see them), local checkpoints get one pending output per
 * case and task, and outputs are normalized again when the study's patterns change.
 */
import { and, eq } from 'drizzle-orm';
import { normalizeOutput, type NormalizeSettings } from '../../domain/normalize';
import { DEFAULT_TASK } from '../../domain/tasks';
import { ConflictError } from '../../errors';
import type { Db } from '../db';
import { copyRow } from '../db/copy';
import { checkpoints, items, outputs } from '../db/schema';
import { finishedOutputs } from '../outputs/queries';
import { copyRows } from './copy-rows';
import { same, type ImportSummary } from './import-summary';
import type { LoadedCheckpoint } from './loader';

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

type OutputInsert = {
	caseId: string;
	checkpointId: string;
	task: string;
	status: 'done';
	rawText: string;
	text: string;
	normalization: string[];
	provenance: Record<string, unknown>;
};

const taskCase = (task: string, caseId: string) => `${task}\u0000${caseId}`;

export async function upsertImported(
	tx: Db,
	checkpointId: string,
	cp: LoadedCheckpoint,
	caseIds: Map<string, string>,
	summary: ImportSummary,
	settings: NormalizeSettings | null
): Promise<void> {
	const existing = await tx.select().from(outputs).where(eq(outputs.checkpointId, checkpointId));
	const byCase = new Map(existing.map((o) => [taskCase(o.task, o.caseId), o]));
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
			task: value.task,
			status: 'done' as const,
			rawText: value.text,
			text: normalized.text,
			normalization: normalized.rules,
			error: null,
			provenance: { source: 'imported', file: cp.outputsPath, ...value.provenance }
		};
		const old = byCase.get(taskCase(value.task, caseId));
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
		'outputs (case_id, checkpoint_id, task, status, raw_text, text, normalization, provenance)',
		cp.outputsPath ?? 'outputs',
		added,
		({ row }) =>
			copyRow([
				row.caseId,
				row.checkpointId,
				row.task,
				row.status,
				row.rawText,
				row.text,
				JSON.stringify(row.normalization),
				JSON.stringify(row.provenance)
			])
	);
	summary.outputs.added += added.length;
}

/**
 * The study's own normalization patterns changed: every finished output is normalized again.
 * An output whose text for raters would change while it is in a round is refused, like any
 * other change to what raters already see.
 */
export async function renormalize(
	tx: Db,
	studyId: string,
	settings: NormalizeSettings | null,
	summary: ImportSummary
): Promise<void> {
	const done = await finishedOutputs(tx, studyId);
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

/** Local checkpoints get one pending output per case and task; generation fills them in. */
export async function ensurePending(
	tx: Db,
	checkpointId: string,
	caseIds: string[],
	tasks: readonly string[] = [DEFAULT_TASK]
): Promise<void> {
	if (!caseIds.length) return;
	// One statement per task keeps the bind parameters of a large study as they were.
	for (const task of tasks)
		await tx
			.insert(outputs)
			.values(caseIds.map((caseId) => ({ caseId, checkpointId, task, status: 'pending' as const })))
			.onConflictDoNothing();
}
