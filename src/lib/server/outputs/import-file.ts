/**
 * Imports a JSONL file of outputs made elsewhere (vLLM, transformers, an API) into an existing
 * study: one `{"case_id", "checkpoint", "text", "provenance"?}` per line, several checkpoints per
 * file allowed. Every problem is reported with its line; the file is applied in one
 * transaction, creating the imported checkpoints it names.
 */
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { parseJsonl, validateOutputs, type Located } from '../../domain/study-definition';
import type { Line } from '../../domain/lines';
import { ValidationError, type Issue } from '../../errors';
import type { Actor } from '../auth/actors';
import type { Db } from '../db';
import { readConfig } from '../config';
import { cases } from '../db/schema';
import * as checks from '../studies/checks';
import { fileLines } from '../studies/files';
import { recordStudyImport } from '../studies/record-import';
import { upsertCheckpoint, upsertImported } from '../studies/import-outputs';
import { emptySummary, type ImportSummary } from '../studies/import-summary';
import { storedTaskKeys } from '../../domain/tasks';
import * as studies from '../studies/queries';

export async function importOutputsFile(
	db: Db,
	actor: Actor,
	slug: string,
	file: string,
	opts: Pick<OutputsImportOptions, 'confirmPhi'> = {}
): Promise<ImportSummary> {
	const display = path.relative(process.cwd(), file) || file;
	// The operator named this file, so its links are followed; it is still read as a regular
	// file within the outputs size limit, line by line.
	let real: string;
	try {
		real = fs.realpathSync(file);
	} catch (e) {
		const code = (e as NodeJS.ErrnoException).code;
		throw new ValidationError([
			{ file: display, message: code === 'ENOENT' ? 'file not found' : `cannot read (${code})` }
		]);
	}
	const lines = fileLines(real, display, 'outputs', readConfig().limits);
	return importOutputsText(db, actor, slug, lines, display, opts);
}

export interface OutputsImportOptions {
	/** The checkpoint of lines that name none (a file uploaded for one checkpoint). */
	checkpoint?: string;
	/** Where each checkpoint's outputs are recorded as coming from (default: the file itself). */
	pathFor?: (checkpoint: string) => string;
	/** The coordinator confirmed importing despite likely identifiers (audited; studies/checks.ts). */
	confirmPhi?: boolean;
}

/** As importOutputsFile, from the file's text or lines; `display` names the file in every message. */
export async function importOutputsText(
	db: Db,
	actor: Actor,
	slug: string,
	text: string | Iterable<Line>,
	display: string,
	opts: OutputsImportOptions = {}
): Promise<ImportSummary> {
	const rows = parseJsonl(text, display);
	const study = await studies.bySlug(db, slug);
	const known = await db
		.select({ id: cases.id, externalId: cases.externalId })
		.from(cases)
		.where(eq(cases.studyId, study.id));
	const caseIds = new Map(known.map((c) => [c.externalId, c.id]));
	const issues: Issue[] = [];
	const groups = new Map<string, Located<unknown>[]>();
	if (!rows.length) issues.push({ file: display, message: 'has no outputs' });
	for (const row of rows) {
		const name = (row.value as { checkpoint?: unknown } | null)?.checkpoint ?? opts.checkpoint;
		if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
			issues.push({
				file: display,
				line: row.line,
				field: 'checkpoint',
				message: 'is required (letters, digits, ".", "_", "-")'
			});
			continue;
		}
		groups.set(name, [...(groups.get(name) ?? []), row]);
	}
	const validated = [...groups].map(([name, group]) => {
		try {
			const tasks = storedTaskKeys(study.tasks);
			return {
				name,
				outputs: validateOutputs(group, display, name, new Set(caseIds.keys()), tasks)
			};
		} catch (e) {
			if (!(e instanceof ValidationError)) throw e;
			issues.push(...e.issues);
			return { name, outputs: [] };
		}
	});
	if (issues.length)
		throw new ValidationError(
			issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
			`${display} is not valid`
		);
	const found = checks.scanFile(rows, display, study.phi);
	const phi = checks.gatePhi(found, study.phi, opts.confirmPhi);

	return db.transaction(async (tx) => {
		const summary: ImportSummary = emptySummary(study.id, slug);
		for (const { name, outputs } of validated) {
			const outputsPath = opts.pathFor?.(name) ?? display;
			const cp = { name, kind: 'imported' as const, outputsPath, outputs };
			const checkpointId = await upsertCheckpoint(tx, study.id, cp, summary);
			await upsertImported(tx, checkpointId, cp, caseIds, summary, study.normalize);
		}
		await recordStudyImport(tx, actor, study.id, phi, 'outputs.import', {
			file: display,
			checkpoints: summary.checkpoints,
			outputs: summary.outputs
		});
		return summary;
	});
}
