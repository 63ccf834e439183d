/**
 * Checkpoints added in the browser: a local one from a manifest in the models folder, or
 * imported outputs uploaded as a file (outputs/import-file.ts does the work). A study made in the
 * browser has no folder; its manifests are recorded relative to where its folder would be
 * (studies/<slug>/), as a study.yaml would give them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { decodeUpload } from '../../domain/case-upload';
import { renderPrompt, type CheckpointManifest } from '../../domain/checkpoint-manifest';
import { ValidationError, formatIssue, type Issue } from '../../errors';
import { canChangeStudy, requireThat } from '../auth/access';
import type { Actor } from '../auth/actors';
import * as audit from '../audit/record';
import type { Db } from '../db';
import { cases, checkpoints } from '../db/schema';
import { preflight } from '../generation/preflight';
import { importOutputsText } from '../outputs/import-file';
import { ensurePending, upsertCheckpoint } from './import-outputs';
import { emptySummary, type ImportSummary } from './import-summary';
import { storedTaskKeys } from '../../domain/tasks';
import { readConfig } from '../config';
import { checkUploadSize, placesOf, type Places } from './files';
import { readManifest } from './loader';
import * as checks from './checks';
import * as queries from './queries';
import { readTrainingData } from './training-data';
import type { Upload } from './setup';

export interface ManifestChoice {
	file: string;
	name?: string;
	model?: string;
	/** Why the manifest cannot be used, when it cannot. */
	problems: string[];
}

/** The folder a study's relative paths start from: its source folder, or studies/<slug>/. */
export function studyDir(study: { slug: string; sourceDir: string | null }): string {
	return study.sourceDir ?? path.resolve('studies', study.slug);
}

/** The configured places, with `modelsDir` (the folder manifests are chosen from) among them. */
function placesWith(modelsDir: string): Places {
	const places = placesOf();
	return { ...places, modelsDirs: [...new Set([modelsDir, ...places.modelsDirs])] };
}

/** Every *.yaml manifest in the (first) models folder, valid or not (with its problems). */
export function listManifests(modelsDir = readConfig().modelsDirs[0]!): ManifestChoice[] {
	if (!fs.existsSync(modelsDir)) return [];
	const places = placesWith(modelsDir);
	return fs
		.readdirSync(modelsDir)
		.filter((f) => /\.ya?ml$/i.test(f))
		.sort()
		.map((file) => {
			try {
				const m = readManifest(path.join(modelsDir, file), `models/${file}`, places);
				return { file, name: m.name, model: m.model, problems: [] };
			} catch (e) {
				if (!(e instanceof ValidationError)) throw e;
				return { file, problems: e.issues.map(formatIssue) };
			}
		});
}

/** Preflight of a manifest against the study's cases: model files, adapters, prompt fit. */
async function check(
	manifest: CheckpointManifest,
	dir: string,
	rows: (typeof cases.$inferSelect)[]
) {
	const issues: Issue[] = [];
	const prompts = rows.flatMap((c) => {
		try {
			return [
				{
					caseId: c.externalId,
					prompt: renderPrompt(manifest.promptTemplate, c.externalId, c.source)
				}
			];
		} catch (e) {
			// renderPrompt throws only for a template that does not fit this case: one issue each,
			// so the coordinator sees every case at once.
			issues.push({
				field: 'promptTemplate',
				message: `case ${c.externalId}: ${(e as Error).message}`
			});
			return [];
		}
	});
	return [...issues, ...(await preflight(manifest, dir, issues.length ? [] : prompts))];
}

/**
 * Adds a local checkpoint from models/<file>, with a pending output per case. Preflight problems
 * (e.g. the model file is not there yet) do not stop it: they are returned to show, and
 * generation runs the same preflight again before it starts.
 */
export async function addLocal(
	db: Db,
	actor: Actor,
	slug: string,
	file: string,
	modelsDir = readConfig().modelsDirs[0]!
): Promise<{ name: string; warnings: string[] }> {
	requireThat(canChangeStudy(actor), 'Only coordinators set up studies');
	const choice = listManifests(modelsDir).find((m) => m.file === file);
	if (!choice)
		throw new ValidationError([{ field: 'manifest', message: `no manifest "${file}" in models/` }]);
	const manifestFile = path.join(modelsDir, file);
	const manifest = readManifest(manifestFile, `models/${file}`, placesWith(modelsDir));
	const study = await queries.bySlug(db, slug);
	const rows = await db.select().from(cases).where(eq(cases.studyId, study.id));
	const warnings = (await check(manifest, modelsDir, rows)).map(formatIssue);
	const training =
		manifest.training_data === undefined
			? undefined
			: readTrainingData(
					manifest.training_data,
					modelsDir,
					placesWith(modelsDir),
					{ file: `models/${file}`, field: 'training_data' },
					(p) => path.relative(process.cwd(), p) || p
				);
	const leakage = checks.leakageOfStored(manifest.name, rows, training);
	await db.transaction(async (tx) => {
		const [taken] = await tx
			.select({ id: checkpoints.id })
			.from(checkpoints)
			.where(and(eq(checkpoints.studyId, study.id), eq(checkpoints.name, manifest.name)));
		if (taken)
			throw new ValidationError([
				{ field: 'manifest', message: `the study has a checkpoint "${manifest.name}" already` }
			]);
		const summary = emptySummary(study.id, study.slug);
		const manifestPath = path.relative(studyDir(study), manifestFile);
		const cp = { name: manifest.name, kind: 'local' as const, manifestPath, manifest };
		const id = await upsertCheckpoint(tx, study.id, cp, summary);
		await ensurePending(
			tx,
			id,
			rows.map((r) => r.id),
			storedTaskKeys(study.tasks)
		);
		await checks.recordChecks(tx, actor, study.id, { findings: [] }, leakage);
		await audit.record(tx, actor, {
			action: 'checkpoint.create',
			entity: 'checkpoint',
			entityId: id,
			studyId: study.id,
			after: { name: manifest.name, manifestPath, warnings }
		});
	});
	return { name: manifest.name, warnings };
}

/**
 * Imports an uploaded outputs file (JSONL); lines without a `checkpoint` belong to `checkpoint`.
 * Each checkpoint's outputs are recorded as outputs/<name>.jsonl, where the exported folder
 * holds them, so that importing the export changes nothing.
 */
export async function uploadOutputs(
	db: Db,
	actor: Actor,
	slug: string,
	upload: Upload,
	checkpoint: string | undefined,
	confirmPhi = false
): Promise<ImportSummary> {
	requireThat(canChangeStudy(actor), 'Only coordinators set up studies');
	checkUploadSize(upload, 'outputs');
	const text = decodeUpload(upload.bytes, upload.name);
	return importOutputsText(db, actor, slug, text, upload.name, {
		checkpoint: checkpoint || undefined,
		pathFor: (name) => `outputs/${name}.jsonl`,
		confirmPhi
	});
}
