/**
 * Setting a study up in the browser, equivalent to writing its folder: create it (with the
 * default form), replace its cases from an uploaded file, edit its rating form. Each change runs
 * in one transaction with its audit row; an invalid upload writes nothing.
 */
import { createHash } from 'node:crypto';
import { and, count, eq, ne, notInArray } from 'drizzle-orm';
import {
	parseCasesUpload,
	PREVIEW_ROWS,
	previewCases,
	type CasesPreview
} from '../../domain/case-upload';
import { ratingFormSchema, type RatingForm } from '../../domain/rating-form';
import { DEFAULT_FORM, newStudySchema } from '../../domain/study-setup';
import { findingIssue } from '../../domain/phi/scan';
import type { PhiSettings } from '../../domain/phi/settings';
import { ConflictError, formatIssue, ValidationError } from '../../errors';
import { canChangeStudy, requireThat } from '../auth/access';
import type { Actor } from '../auth/actors';
import * as audit from '../audit/record';
import type { Db } from '../db';
import { cases, checkpoints, rounds, studies } from '../db/schema';
import { checkUploadSize } from './files';
import { upsertCases } from './import-cases';
import { ensurePending } from './import-outputs';
import { recordStudyImport } from './record-import';
import { emptySummary, type ImportSummary } from './import-summary';
import { storedTaskKeys } from '../../domain/tasks';
import * as checks from './checks';
import * as queries from './queries';

export interface Upload {
	/** The file name as the browser sent it: named in every message. */
	name: string;
	bytes: Uint8Array;
}

export function requireCoordinator(actor: Actor): void {
	requireThat(canChangeStudy(actor), 'Only coordinators set up studies');
}

/** Field issues of a zod result, each naming its field. */
function fieldIssues(error: { issues: { path: PropertyKey[]; message: string }[] }) {
	return error.issues.map((i) => ({ field: i.path.map(String).join('.'), message: i.message }));
}

export async function create(db: Db, actor: Actor, input: Record<string, unknown>) {
	requireCoordinator(actor);
	const parsed = newStudySchema.safeParse(input);
	if (!parsed.success) throw new ValidationError(fieldIssues(parsed.error));
	return db.transaction(async (tx) => {
		const [taken] = await tx.select().from(studies).where(eq(studies.slug, parsed.data.slug));
		if (taken) throw new ConflictError(`A study "${parsed.data.slug}" exists already`);
		const [study] = await tx
			.insert(studies)
			.values({ ...parsed.data, form: DEFAULT_FORM })
			.returning();
		await audit.record(tx, actor, {
			action: 'study.create',
			entity: 'study',
			entityId: study!.id,
			studyId: study!.id,
			after: { ...parsed.data, source: 'browser' }
		});
		return study!;
	});
}

/** SHA-256 of an upload: binds the confirmation to exactly the file that was previewed. */
export function digestOf(bytes: Uint8Array): string {
	return createHash('sha256').update(bytes).digest('hex');
}

/** Parses and validates an uploaded cases file without writing anything. */
export function previewCasesUpload(
	upload: Upload,
	phi: PhiSettings | null = null
): { digest: string; preview: CasesPreview; phi: string[] } {
	checkUploadSize(upload, 'cases');
	const parsed = parseCasesUpload(upload.bytes, upload.name);
	// Likely identifiers are shown (masked) with the preview; saving them needs a confirmation.
	const findings = checks.scanFile(parsed, upload.name, phi).map(findingIssue).map(formatIssue);
	return {
		digest: digestOf(upload.bytes),
		preview: previewCases(parsed, PREVIEW_ROWS),
		phi: findings
	};
}

/** previewCasesUpload with the study's own identifier patterns. */
export async function previewCasesFor(db: Db, slug: string, upload: Upload) {
	return previewCasesUpload(upload, (await queries.bySlug(db, slug)).phi);
}

async function roundCount(tx: Db, studyId: string, openedOnly: boolean): Promise<number> {
	const where = openedOnly
		? and(eq(rounds.studyId, studyId), ne(rounds.status, 'draft'))
		: eq(rounds.studyId, studyId);
	const [row] = await tx.select({ n: count() }).from(rounds).where(where);
	return Number(row!.n);
}

/**
 * Replaces the study's cases with the uploaded file's, re-parsed here (the preview is never
 * trusted): `digest` must be the one the preview returned. Cases missing from the new file are
 * removed with their outputs, which is why this is allowed only while the study has no round.
 */
export async function saveCases(
	db: Db,
	actor: Actor,
	slug: string,
	upload: Upload,
	digest: string,
	confirmPhi = false
): Promise<ImportSummary['cases'] & { removed: number }> {
	requireCoordinator(actor);
	if (digestOf(upload.bytes) !== digest)
		throw new ValidationError([
			{ file: upload.name, message: 'is not the file that was previewed; preview it again' }
		]);
	checkUploadSize(upload, 'cases');
	const rows = parseCasesUpload(upload.bytes, upload.name);
	return db.transaction(async (tx) => {
		const study = await queries.bySlug(tx, slug);
		const phi = checks.gatePhi(
			checks.scanFile(rows, upload.name, study.phi),
			study.phi,
			confirmPhi
		);
		if (await roundCount(tx, study.id, false))
			throw new ConflictError(
				'Cases can be replaced only while the study has no round (a round holds their letters)'
			);
		const ids = rows.map((r) => r.value.id);
		const removed = await tx
			.delete(cases)
			.where(and(eq(cases.studyId, study.id), notInArray(cases.externalId, ids)))
			.returning({ id: cases.id });
		const summary = emptySummary(study.id, slug);
		const caseIds = await upsertCases(tx, study.id, rows, upload.name, summary);
		const local = await tx
			.select({ id: checkpoints.id })
			.from(checkpoints)
			.where(and(eq(checkpoints.studyId, study.id), eq(checkpoints.kind, 'local')));
		for (const cp of local)
			await ensurePending(tx, cp.id, [...caseIds.values()], storedTaskKeys(study.tasks));
		const result = { ...summary.cases, removed: removed.length };
		await recordStudyImport(tx, actor, study.id, phi, 'cases.upload', {
			file: upload.name,
			sha256: digest,
			...result
		});
		return result;
	});
}

/** Replaces the rating form; refused once a round is open (open rounds keep their own copy). */
export async function saveForm(
	db: Db,
	actor: Actor,
	slug: string,
	form: unknown
): Promise<RatingForm> {
	requireCoordinator(actor);
	const parsed = ratingFormSchema.safeParse(form);
	if (!parsed.success)
		throw new ValidationError(fieldIssues(parsed.error), 'The rating form is not valid');
	return db.transaction(async (tx) => {
		const study = await queries.bySlug(tx, slug);
		if (await roundCount(tx, study.id, true))
			throw new ConflictError('The rating form can be changed only while no round has been opened');
		await tx
			.update(studies)
			.set({ form: parsed.data, updatedAt: new Date() })
			.where(eq(studies.id, study.id));
		await audit.record(tx, actor, {
			action: 'study.form',
			entity: 'study',
			entityId: study.id,
			studyId: study.id,
			before: study.form,
			after: parsed.data
		});
		return parsed.data;
	});
}

/** Whether the form can still be edited (no round opened yet), for the page to say so. */
export async function formEditable(db: Db, studyId: string): Promise<boolean> {
	return (await roundCount(db, studyId, true)) === 0;
}

/** The uploaded file of a form field, read whole (the body limit already bounds its size). */
export async function uploadOf(value: FormDataEntryValue | null): Promise<Upload> {
	if (!(value instanceof File) || value.name === '')
		throw new ValidationError([{ field: 'file', message: 'choose a file to upload' }]);
	return { name: value.name, bytes: new Uint8Array(await value.arrayBuffer()) };
}
