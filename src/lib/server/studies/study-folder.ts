/**
 * A study as a studies/<slug>/ folder: study.yaml, cases.jsonl, each imported checkpoint's
 * outputs and each local checkpoint's manifest. Importing the folder with the study importer
 * gives the same study (cases, form, checkpoints, imported outputs). Generated outputs of local
 * checkpoints are not part of the folder format (a fresh import regenerates them), and neither is
 * a case's `site`, which the database does not keep.
 */
import fs from 'node:fs';
import path from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { stringify } from 'yaml';
import { isMultiTask, taskDeclarations } from '../../domain/tasks';
import { ValidationError } from '../../errors';
import { readConfig } from '../config';
import type { Db } from '../db';
import { cases, checkpoints, outputs } from '../db/schema';
import { studyMetricsCsv } from '../metric-exports';
import { studyDir } from './checkpoints';
import * as queries from './queries';
import { tarArchive } from './tar';

export interface StudyFile {
	/** Relative to the study folder. */
	path: string;
	text: string;
}

const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** A relative path that stays inside the folder, or null. */
function inside(p: string | null): string | null {
	if (!p || path.isAbsolute(p)) return null;
	const n = path.posix.normalize(p.replaceAll('\\', '/'));
	return n.startsWith('../') || n === '..' ? null : n;
}

/** The stored manifest with its model and adapter paths made relative to where it is written. */
function relocate(manifest: Record<string, unknown>, from: string, to: string) {
	const move = (p: string) => path.relative(to, path.resolve(from, p));
	const adapters = (manifest.adapters as { path: string; scale: number }[] | undefined) ?? [];
	// Training data stays where it was: the export carries the leakage result, not the data.
	const { training_data: _training, ...rest } = manifest;
	return {
		...rest,
		model: move(String(manifest.model)),
		adapters: adapters.map((a) => ({ ...a, path: move(a.path) }))
	};
}

/**
 * The folder's files. `target` is where the folder will be written (relative model paths in the
 * manifests are computed from it); the default is studies/<slug>/ of the working directory.
 */
export async function studyFiles(db: Db, slug: string, target?: string): Promise<StudyFile[]> {
	const study = await queries.bySlug(db, slug);
	const dest = path.resolve(target ?? path.join('studies', slug));
	const caseRows = await db
		.select()
		.from(cases)
		.where(eq(cases.studyId, study.id))
		.orderBy(asc(cases.position));
	const cps = await db
		.select()
		.from(checkpoints)
		.where(eq(checkpoints.studyId, study.id))
		.orderBy(asc(checkpoints.createdAt), asc(checkpoints.name));
	if (!caseRows.length || !cps.length)
		throw new ValidationError([
			{
				message: `study "${slug}" needs at least one case and one checkpoint before it can be exported as a folder`
			}
		]);
	const externalOf = new Map(caseRows.map((c) => [c.id, c.externalId]));
	const multi = isMultiTask(study.tasks);
	const files: StudyFile[] = [];
	const refs: { name: string; outputs?: string; manifest?: string }[] = [];
	for (const cp of cps) {
		if (cp.kind === 'local') {
			const file = `manifests/${cp.name}.yaml`;
			const from = path.dirname(path.resolve(studyDir(study), cp.manifestPath ?? '.'));
			const manifest = relocate(cp.manifest ?? {}, from, path.join(dest, 'manifests'));
			files.push({ path: file, text: stringify(manifest) });
			refs.push({ name: cp.name, manifest: file });
			continue;
		}
		const file = inside(cp.outputsPath) ?? `outputs/${cp.name}.jsonl`;
		const rows = await db
			.select()
			.from(outputs)
			.where(eq(outputs.checkpointId, cp.id))
			.innerJoin(cases, eq(cases.id, outputs.caseId))
			.orderBy(asc(cases.position), asc(outputs.task));
		files.push({
			path: file,
			text: jsonl(
				rows.map(({ outputs: o }) => {
					// The importer adds source and file again; everything else is the file's own.
					const { source: _s, file: _f, ...provenance } = o.provenance ?? {};
					return {
						case_id: externalOf.get(o.caseId),
						...(multi ? { task: o.task } : {}),
						text: o.rawText ?? '',
						...(Object.keys(provenance).length ? { provenance } : {})
					};
				})
			)
		});
		refs.push({ name: cp.name, outputs: file });
	}
	const caseLines = caseRows.map((c) => ({
		id: c.externalId,
		source: c.source,
		...(c.reference === null ? {} : { reference: c.reference }),
		...(c.references ? { references: c.references } : {}),
		...(c.goldModality || c.goldIcd10
			? {
					gold: {
						...(c.goldModality ? { modality: c.goldModality } : {}),
						...(c.goldIcd10 ? { icd10: c.goldIcd10 } : {})
					}
				}
			: {})
	}));
	const yaml = {
		name: study.name,
		description: study.description,
		seed: study.seed,
		cases: 'cases.jsonl',
		checkpoints: refs,
		...(study.analysis ? { analysis: study.analysis } : {}),
		...(study.normalize ? { normalize: study.normalize } : {}),
		...(study.phi ? { phi: study.phi } : {}),
		// A study with tasks keeps each form in its task (domain/tasks.ts).
		...(study.tasks ? { tasks: taskDeclarations(study.tasks) } : { form: study.form })
	};
	return [
		{ path: 'study.yaml', text: `# Exported from blindeval.\n${stringify(yaml)}` },
		{ path: 'cases.jsonl', text: jsonl(caseLines) },
		...files
	];
}

/** Writes the folder; refuses to overwrite a study.yaml that is there already. */
export async function writeStudyFolder(db: Db, slug: string, dir: string): Promise<StudyFile[]> {
	const files = await studyFiles(db, slug, dir);
	if (fs.existsSync(path.join(dir, 'study.yaml')))
		throw new ValidationError([
			{ file: path.join(dir, 'study.yaml'), message: 'exists already; export into a new folder' }
		]);
	const all = [...files, await metricsFile(db, slug)];
	writeFiles(dir, all);
	return all;
}

/**
 * metrics.csv: ROUGE and label correctness of every finished letter (issue 14). Part of the
 * exported folder and archive, not of the folder generation reads, which stays what imports.
 */
async function metricsFile(db: Db, slug: string): Promise<StudyFile> {
	const study = await queries.bySlug(db, slug);
	return { path: 'metrics.csv', text: await studyMetricsCsv(db, study.id) };
}

function writeFiles(dir: string, files: StudyFile[]): void {
	for (const f of files) {
		fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
		fs.writeFileSync(path.join(dir, f.path), f.text);
	}
}

/** The folder as <slug>/… in a tar archive, to unpack inside studies/. */
export async function studyArchive(db: Db, slug: string): Promise<Uint8Array<ArrayBuffer>> {
	const encoder = new TextEncoder();
	const files = [...(await studyFiles(db, slug)), await metricsFile(db, slug)];
	return tarArchive(
		files.map((f) => ({ path: `${slug}/${f.path}`, content: encoder.encode(f.text) }))
	);
}

/**
 * The folder generation reads a study from. A study made in the browser has none: it is written
 * (again, each time, so it follows the latest edits) under the data folder; generation imports
 * it back, which changes nothing but the study's source folder.
 */
export async function folderForGeneration(
	db: Db,
	study: { slug: string; sourceDir: string | null }
): Promise<string> {
	const managed = path.join(readConfig().dataDir, 'study-folders');
	if (study.sourceDir && !study.sourceDir.startsWith(managed + path.sep)) return study.sourceDir;
	const dir = path.join(managed, study.slug);
	const files = await studyFiles(db, study.slug, dir);
	fs.rmSync(dir, { recursive: true, force: true });
	writeFiles(dir, files);
	return dir;
}
