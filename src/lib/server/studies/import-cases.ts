/** A study's cases, added and updated by case id in file order (part of an import transaction). */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { ValidationError } from '../../errors';
import type { Db } from '../db';
import { copyRow } from '../db/copy';
import { cases } from '../db/schema';
import type { CaseRow, Located } from '../../domain/study-definition';
import { copyRows } from './copy-rows';
import { same, type ImportSummary } from './import-summary';

type CaseInsert = {
	studyId: string;
	externalId: string;
	position: number;
	source: Record<string, unknown>;
	reference: string | null;
	references: Record<string, string> | null;
	goldModality: string | null;
	goldIcd10: string | null;
};

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
		const row: CaseInsert = {
			studyId,
			externalId: value.id,
			position,
			source: value.source,
			reference: value.reference ?? null,
			references: value.references ?? null,
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
			!same(old.references, row.references) ||
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
		'cases (id, study_id, external_id, position, source, reference, "references", gold_modality, gold_icd10)',
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
				row.references && JSON.stringify(row.references),
				row.goldModality,
				row.goldIcd10
			])
	);
	summary.cases.added += added.length;
	return ids;
}
