// Over 300 lines: one reader of one study folder; the file access itself is files.ts.
/**
 * Reads a study folder (study.yaml, its cases file, its outputs files and checkpoint manifests)
 * into a validated definition. Every problem in every file is collected and reported at once,
 * each naming file, line and field; nothing here writes to the database. Where files may be and
 * how they are read (confined, regular, bounded, line by line) is files.ts.
 */
import type { CheckpointKind } from '../../domain/enums';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Node } from 'yaml';
import { parseAnalysisPlan, type AnalysisPlan } from '../../domain/analysis-plan';
import { parseCases } from '../../domain/case-upload';
import {
	ManifestError,
	parseCheckpointManifest,
	type CheckpointManifest
} from '../../domain/checkpoint-manifest';
import { resolveTasks } from '../../domain/tasks';
import {
	parseJsonl,
	primaryForm,
	validateOutputs,
	validateStudyFile,
	type CaseRow,
	type Located,
	type OutputRow,
	type StudyFile
} from '../../domain/study-definition';
import { ValidationError, type Issue } from '../../errors';
import { confine, fileLines, fileText, placesOf, type Places } from './files';
import { readTrainingData, type TrainingData } from './training-data';

export interface LoadedCheckpoint {
	name: string;
	kind: CheckpointKind;
	/** As written in study.yaml. */
	manifestPath?: string;
	/** Absolute path of the manifest, for resolving model files relative to it. */
	manifestFile?: string;
	manifest?: CheckpointManifest;
	outputsPath?: string;
	outputs?: Located<OutputRow & { task: string }>[];
	/** The training data it names, read for the leakage check (server/studies/checks.ts). */
	trainingData?: TrainingData;
}

export interface StudyDefinition {
	slug: string;
	dir: string;
	study: StudyFile;
	cases: Located<CaseRow>[];
	checkpoints: LoadedCheckpoint[];
	/**
	 * analysis-plan.yaml, when the folder has one: a study-level default plan, validated against
	 * the study's checkpoints and dimensions (a round's own plan is checked against the round).
	 */
	analysisPlan?: { plan: AnalysisPlan; source: string };
	/** SHA-256 over every file read, to tell a changed definition from an unchanged one. */
	hash: string;
}

/** The optional pre-registered analysis plan beside study.yaml (issue 13). */
export const ANALYSIS_PLAN_FILE = 'analysis-plan.yaml';

/** YAML aliases one file may expand (the yaml package's own default): more is an alias bomb. */
export const MAX_YAML_ALIASES = 100;

/** The dot path of a node inside a YAML document, from the ancestors `visit` passes. */
function yamlField(ancestors: readonly unknown[], node: unknown): string {
	const chain = [...ancestors, node];
	const parts: (string | number)[] = [];
	chain.slice(0, -1).forEach((a, i) => {
		if (isPair(a) && chain[i + 1] !== a.key)
			parts.push(isScalar(a.key) ? String(a.key.value) : '?');
		if (isSeq(a)) parts.push(a.items.indexOf(chain[i + 1] as never));
	});
	return parts.join('.');
}

/**
 * Reads a YAML file (a regular file within the manifest size limit), returning its value and a
 * function from field path to line. An alias bomb or a document nested too deeply to read is a
 * located issue, not a raw ReferenceError or RangeError.
 */
export function readYaml(
	file: string,
	display: string,
	places: Places = placesOf(),
	onChunk?: (bytes: Uint8Array) => void
) {
	return parseYamlText(fileText(file, display, 'manifest', places.limits, onChunk), display);
}

/**
 * Parses YAML text already read within its bounds (a file, or a form field the caller bounded),
 * with the same alias and nesting guards and the same field-to-line function as readYaml.
 */
export function parseYamlText(text: string, display: string) {
	const lineCounter = new LineCounter();
	const doc = parseDocument(text, { lineCounter, prettyErrors: false });
	if (doc.errors.length) {
		throw new ValidationError(
			doc.errors.map((e) => ({
				file: display,
				line: e.linePos?.[0].line,
				message: /call stack/i.test(e.message)
					? 'is nested too deeply to read'
					: `invalid YAML (${e.message.split('\n')[0]})`
			}))
		);
	}
	let value: unknown;
	try {
		value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
	} catch (e) {
		if (!(e instanceof ReferenceError || e instanceof RangeError)) throw e;
		let where: { line?: number; field?: string } = {};
		visit(doc, {
			Alias(_, node, ancestors) {
				const field = yamlField(ancestors, node);
				where = { line: lineCounter.linePos(node.range![0]).line, ...(field ? { field } : {}) };
				return visit.BREAK;
			}
		});
		throw new ValidationError([
			{
				file: display,
				...where,
				message:
					e instanceof ReferenceError
						? `uses YAML aliases (*name) that expand to more than ${MAX_YAML_ALIASES} values; write the values out instead`
						: 'is nested too deeply to read'
			}
		]);
	}
	const lineOf = (p: (string | number)[]) => {
		// Walk down as far as the path exists; report the deepest node found.
		let node: unknown = doc.contents;
		let line: number | undefined;
		for (const key of [undefined, ...p]) {
			if (key !== undefined) {
				if (!isMap(node) && !isSeq(node)) break;
				const next: unknown = node.get(key, true);
				if (next === undefined) break;
				node = next;
			}
			const range = (node as Node | null)?.range;
			if (range) line = lineCounter.linePos(range[0]).line;
		}
		return line;
	};
	return { value, lineOf, text };
}

/**
 * Reads and validates a checkpoint manifest; issues name the file, line and field. Its model
 * and adapter paths must lead into the study folder, a models folder or a weights folder (they
 * need not exist yet: preflight reports a missing model).
 */
export function readManifest(
	file: string,
	display: string,
	places: Places = placesOf(),
	onChunk?: (bytes: Uint8Array) => void,
	/** The study's task keys: a prompt for any other task is an issue. */
	tasks?: readonly string[]
): CheckpointManifest {
	const real = confine(path.basename(file), path.dirname(file), places, { file: display });
	const m = readYaml(real, display, places, onChunk);
	let manifest: CheckpointManifest;
	try {
		manifest = parseCheckpointManifest(m.value, display);
	} catch (e) {
		if (!(e instanceof ManifestError)) throw e;
		throw new ValidationError(
			e.issues.map((i) => ({
				file: e.file,
				line: m.lineOf(i.path === '(root)' ? [] : i.path.split('.')),
				field: i.path,
				message: i.message
			}))
		);
	}
	const issues: Issue[] = [];
	for (const task of tasks ? Object.keys(manifest.prompts ?? {}) : [])
		if (!tasks!.includes(task))
			issues.push({
				file: display,
				line: m.lineOf(['prompts', task]),
				field: `prompts.${task}`,
				message: `names no task of the study (it has ${tasks!.join(', ')})`
			});
	const refs: [string, (string | number)[]][] = [
		[manifest.model, ['model']],
		...manifest.adapters.map((a, i): [string, (string | number)[]] => [
			a.path,
			['adapters', i, 'path']
		])
	];
	for (const [ref, at] of refs) {
		try {
			const origin = { file: display, line: m.lineOf(at), field: at.join('.') };
			confine(ref, path.dirname(file), places, origin, true);
		} catch (e) {
			if (!(e instanceof ValidationError)) throw e;
			issues.push(...e.issues);
		}
	}
	if (issues.length) throw new ValidationError(issues);
	return manifest;
}

export interface LoadOptions {
	/** What paths are shown relative to (default: the working directory). */
	rootDir?: string;
	/** Where files may be and how large (default: from the configuration). */
	places?: Omit<Places, 'studyDir'>;
}

/**
 * Loads and validates a study folder. Every file it names must be a regular file inside the
 * folder or a models folder, within its size limit; cases and outputs are read line by line.
 */
export function loadStudy(dir: string, opts: LoadOptions = {}): StudyDefinition {
	const abs = path.resolve(dir);
	const rootDir = opts.rootDir ?? process.cwd();
	const show = (p: string) => path.relative(rootDir, p) || p;
	const places: Places = { ...(opts.places ?? placesOf()), studyDir: abs };
	const hash = createHash('sha256');
	const digest = (bytes: Uint8Array) => hash.update(bytes);
	const studyShown = show(path.join(abs, 'study.yaml'));
	const studyPath = confine('study.yaml', abs, places, { file: studyShown });
	const yaml = readYaml(studyPath, studyShown, places, digest);
	const study = validateStudyFile(yaml.value, studyShown, yaml.lineOf);

	const issues: Issue[] = [];
	const collect = <T>(fn: () => T): T | undefined => {
		try {
			return fn();
		} catch (e) {
			if (e instanceof ValidationError) issues.push(...e.issues);
			else throw e;
			return undefined;
		}
	};
	/**
	 * Reads a file study.yaml names at `at`, once its path is confined (else its issue is
	 * collected and `read` is not called); undefined when anything was wrong.
	 */
	const readPlaced = <T>(ref: string, at: (string | number)[], read: (real: string) => T) => {
		const origin = { file: studyShown, line: yaml.lineOf(at), field: at.join('.') };
		const real = collect(() => confine(ref, abs, places, origin));
		return real === undefined ? undefined : collect(() => read(real));
	};

	const casesShown = show(path.resolve(abs, study.cases));
	const cases =
		readPlaced(study.cases, ['cases'], (real) =>
			parseCases(fileLines(real, casesShown, 'cases', places.limits, digest), casesShown)
		) ?? [];
	const caseIds = new Set(cases.map((c) => c.value.id));
	const taskKeys = resolveTasks(study).map((t) => t.key);

	const checkpoints: LoadedCheckpoint[] = study.checkpoints.map((ref, i) => {
		const cp = loadCheckpoint(ref, i);
		// Training data named in study.yaml, else in the manifest (relative to the file naming it).
		const at = ['checkpoints', i, 'training_data'];
		const training =
			ref.training_data !== undefined
				? collect(() =>
						readTrainingData(
							ref.training_data!,
							abs,
							places,
							{ file: studyShown, line: yaml.lineOf(at), field: at.join('.') },
							show,
							digest
						)
					)
				: cp.manifest?.training_data !== undefined
					? collect(() =>
							readTrainingData(
								cp.manifest!.training_data!,
								path.dirname(cp.manifestFile!),
								places,
								{ file: show(cp.manifestFile!), field: 'training_data' },
								show,
								digest
							)
						)
					: undefined;
		return training ? { ...cp, trainingData: training } : cp;
	});

	function loadCheckpoint(ref: StudyFile['checkpoints'][number], i: number): LoadedCheckpoint {
		if (ref.outputs !== undefined) {
			const shown = show(path.resolve(abs, ref.outputs));
			const outputs = readPlaced(ref.outputs, ['checkpoints', i, 'outputs'], (real) => {
				const rows = parseJsonl(fileLines(real, shown, 'outputs', places.limits, digest), shown);
				// Without valid cases every case id would be reported unknown: skip that noise.
				return cases.length ? validateOutputs(rows, shown, ref.name, caseIds, taskKeys) : [];
			});
			return { name: ref.name, kind: 'imported', outputsPath: ref.outputs, outputs: outputs ?? [] };
		}
		const file = path.resolve(abs, ref.manifest!);
		const manifest = readPlaced(ref.manifest!, ['checkpoints', i, 'manifest'], () =>
			readManifest(file, show(file), places, digest, taskKeys)
		);
		if (manifest && manifest.name !== ref.name) {
			issues.push({
				file: studyShown,
				line: yaml.lineOf(['checkpoints', i, 'name']),
				field: `checkpoints.${i}.name`,
				message: `is "${ref.name}" but the manifest ${ref.manifest} is named "${manifest.name}"`
			});
		}
		return {
			name: ref.name,
			kind: 'local',
			manifestPath: ref.manifest,
			manifestFile: file,
			manifest
		};
	}

	let analysisPlan: StudyDefinition['analysisPlan'];
	if (fs.existsSync(path.join(abs, ANALYSIS_PLAN_FILE))) {
		const shown = show(path.join(abs, ANALYSIS_PLAN_FILE));
		analysisPlan = collect(() => {
			const real = confine(ANALYSIS_PLAN_FILE, abs, places, { file: shown });
			const planYaml = readYaml(real, shown, places, digest);
			const plan = parseAnalysisPlan(
				planYaml.value,
				{
					checkpoints: study.checkpoints.map((c) => c.name),
					dimensions: (primaryForm(study)?.dimensions ?? []).map((d) => d.key)
				},
				{ file: shown, lineOf: planYaml.lineOf }
			);
			return { plan, source: planYaml.text };
		});
	}

	if (issues.length) throw new ValidationError(issues, `Study ${show(abs)} is not valid`);
	return {
		slug: path.basename(abs),
		dir: abs,
		study,
		cases,
		checkpoints,
		...(analysisPlan ? { analysisPlan } : {}),
		hash: hash.digest('hex')
	};
}
