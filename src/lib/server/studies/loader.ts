/**
 * Reads a study folder (study.yaml, its cases file, its outputs files and checkpoint manifests)
 * into a validated definition. Every problem in every file is collected and reported at once,
 * each naming file, line and field; nothing here writes to the database.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { parseCasesText } from '../../domain/case-upload';
import {
	ManifestError,
	parseCheckpointManifest,
	type CheckpointManifest
} from '../../domain/checkpoint-manifest';
import {
	parseJsonl,
	validateOutputs,
	validateStudyFile,
	type CaseRow,
	type Located,
	type OutputRow,
	type StudyFile
} from '../../domain/study-definition';
import { ValidationError, type Issue } from '../../errors';

export interface LoadedCheckpoint {
	name: string;
	kind: 'local' | 'imported';
	/** As written in study.yaml. */
	manifestPath?: string;
	/** Absolute path of the manifest, for resolving model files relative to it. */
	manifestFile?: string;
	manifest?: CheckpointManifest;
	outputsPath?: string;
	outputs?: Located<OutputRow>[];
}

export interface StudyDefinition {
	slug: string;
	dir: string;
	study: StudyFile;
	cases: Located<CaseRow>[];
	checkpoints: LoadedCheckpoint[];
	/** SHA-256 over every file read, to tell a changed definition from an unchanged one. */
	hash: string;
}

/** Reads a YAML file, returning its value and a function from field path to line. */
export function readYaml(file: string, display: string) {
	const text = readText(file, display);
	const lineCounter = new LineCounter();
	const doc = parseDocument(text, { lineCounter, prettyErrors: false });
	if (doc.errors.length) {
		throw new ValidationError(
			doc.errors.map((e) => ({
				file: display,
				line: e.linePos?.[0].line,
				message: `invalid YAML (${e.message.split('\n')[0]})`
			}))
		);
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
	return { value: doc.toJS() as unknown, lineOf, text };
}

/** Reads and validates a checkpoint manifest; issues name the file, line and field. */
export function readManifest(
	file: string,
	display: string,
	onText: (text: string) => void = () => {}
): CheckpointManifest {
	const m = readYaml(file, display);
	onText(m.text);
	try {
		return parseCheckpointManifest(m.value, display);
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
}

function readText(file: string, display: string): string {
	let buf: Buffer;
	try {
		buf = fs.readFileSync(file);
	} catch (e) {
		const code = (e as NodeJS.ErrnoException).code;
		throw new ValidationError([
			{ file: display, message: code === 'ENOENT' ? 'file not found' : `cannot read (${code})` }
		]);
	}
	const text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
	if (text.includes('\uFFFD')) {
		const line = text.slice(0, text.indexOf('\uFFFD')).split('\n').length;
		throw new ValidationError([{ file: display, line, message: 'is not valid UTF-8' }]);
	}
	return text.replace(/^\uFEFF/, '');
}

/** Loads and validates a study folder; `rootDir` is what paths are shown relative to. */
export function loadStudy(dir: string, rootDir = process.cwd()): StudyDefinition {
	const abs = path.resolve(dir);
	const show = (p: string) => path.relative(rootDir, p) || p;
	const studyPath = path.join(abs, 'study.yaml');
	const hash = createHash('sha256');
	const yaml = readYaml(studyPath, show(studyPath));
	hash.update(yaml.text);
	const study = validateStudyFile(yaml.value, show(studyPath), yaml.lineOf);

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

	const casesPath = path.resolve(abs, study.cases);
	const cases =
		collect(() => {
			const text = readText(casesPath, show(casesPath));
			hash.update(fs.readFileSync(casesPath));
			return parseCasesText(text, show(casesPath));
		}) ?? [];
	const caseIds = new Set(cases.map((c) => c.value.id));

	const checkpoints: LoadedCheckpoint[] = study.checkpoints.map((ref, i) => {
		if (ref.outputs !== undefined) {
			const file = path.resolve(abs, ref.outputs);
			const outputs = collect(() => {
				const rows = parseJsonl(readText(file, show(file)), show(file));
				hash.update(fs.readFileSync(file));
				// Without valid cases every case id would be reported unknown: skip that noise.
				return cases.length ? validateOutputs(rows, show(file), ref.name, caseIds) : [];
			});
			return { name: ref.name, kind: 'imported', outputsPath: ref.outputs, outputs: outputs ?? [] };
		}
		const file = path.resolve(abs, ref.manifest!);
		const manifest = collect(() => readManifest(file, show(file), (text) => hash.update(text)));
		if (manifest && manifest.name !== ref.name) {
			issues.push({
				file: show(studyPath),
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
	});

	if (issues.length) throw new ValidationError(issues, `Study ${show(abs)} is not valid`);
	return {
		slug: path.basename(abs),
		dir: abs,
		study,
		cases,
		checkpoints,
		hash: hash.digest('hex')
	};
}
