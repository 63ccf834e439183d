/**
 * Study files on disk, read only where they belong and within bounds. A path written in
 * study.yaml or a manifest must lead, after every symbolic link is followed, into the study
 * folder or a models folder (weights, .gguf, also into a weights folder); only regular files
 * are opened (never a device such as /dev/zero, a pipe or a folder); each kind of file has a
 * size limit; and files are read in chunks, line by line, so memory stays bounded. A refused
 * path is named with the file, line and field that hold it, and nothing of a file outside the
 * study is ever read, so no message can quote it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LineDecoder, type Line } from '../../domain/lines';
import { formatSize } from '../../domain/upload-limits';
import { ValidationError } from '../../errors';
import { LIMIT_SETTINGS, readConfig, type StudyFileLimits } from '../config';

/** Where a study's files may be, and how large they may be. */
export interface Places {
	/** The study folder; absent for a manifest chosen from a models folder. */
	studyDir?: string;
	modelsDirs: string[];
	weightsDirs: string[];
	limits: StudyFileLimits;
}

export function placesOf(studyDir?: string, config = readConfig()): Places {
	return {
		studyDir,
		modelsDirs: config.modelsDirs,
		weightsDirs: config.weightsDirs,
		limits: config.limits
	};
}

/** The file, line and field that hold a path, named when the path is refused. */
export interface Origin {
	file: string;
	line?: number;
	field?: string;
}

export type FileKind = keyof StudyFileLimits;

const LABELS: Record<FileKind, string> = {
	cases: 'a cases file',
	outputs: 'an outputs file',
	manifest: 'a study.yaml or manifest'
};

const show = (p: string) => path.relative(process.cwd(), p) || '.';

/** `p` with the links of every part that exists followed; null when it cannot be resolved. */
function realPath(p: string): string | null {
	try {
		return fs.realpathSync(p);
	} catch (e) {
		const code = (e as NodeJS.ErrnoException).code;
		// EACCES, ELOOP, ENOTDIR…: unresolvable, and confine() refuses the path naming its origin.
		if (code !== 'ENOENT') return null;
		const parent = path.dirname(p);
		if (parent === p) return null;
		const real = realPath(parent);
		return real === null ? null : path.join(real, path.basename(p));
	}
}

function isInside(file: string, dir: string): boolean {
	const rel = path.relative(dir, file);
	return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/** Whether `file` lies in one of `dirs` (real paths; with `asWritten`, also as written). */
const within = (file: string | null, dirs: string[], asWritten = false) =>
	file !== null &&
	dirs.some((d) => {
		const real = realPath(d);
		return (real !== null && isInside(file, real)) || (asWritten && isInside(file, d));
	});

/**
 * Resolves `ref` (relative to `baseDir`) and returns its real path when it lies inside the study
 * folder or a models folder, or, for weights (.gguf) only, a weights folder.
 * @throws ValidationError naming the origin's file, line and field otherwise
 */
export function confine(
	ref: string,
	baseDir: string,
	places: Places,
	origin: Origin,
	weights = false
): string {
	const gguf = weights && /\.gguf$/i.test(ref);
	const dirs = [
		...(places.studyDir ? [places.studyDir] : []),
		...places.modelsDirs,
		...(gguf ? places.weightsDirs : [])
	];
	const written = path.resolve(baseDir, ref);
	const real = realPath(written);
	if (within(real, dirs)) return real!;
	const allowed = [
		places.studyDir ? `the study folder (${show(places.studyDir)})` : undefined,
		`the models folder (${places.modelsDirs.map(show).join(', ')}, set by BLINDEVAL_MODELS_DIR)`,
		gguf ? 'a weights folder (BLINDEVAL_WEIGHTS_DIR)' : undefined
	].filter(Boolean);
	const how = within(written, dirs, true)
		? 'is a link to a place outside'
		: real === null
			? 'cannot be resolved inside'
			: 'is outside';
	const hint = weights
		? gguf
			? '; weights on another disk need BLINDEVAL_WEIGHTS_DIR to name their folder'
			: ''
		: '';
	throw new ValidationError([
		{
			...origin,
			message: `"${ref}" ${how} ${allowed.join(' or ')}${hint}`
		}
	]);
}

function refuse(display: string, message: string): never {
	throw new ValidationError([{ file: display, message }]);
}

function tooBig(display: string, bytes: number, kind: FileKind, limits: StudyFileLimits): never {
	refuse(
		display,
		`is ${formatSize(bytes)}; ${LABELS[kind]} may be at most ${formatSize(limits[kind])} (${LIMIT_SETTINGS[kind]})`
	);
}

/** Refuses an upload over the limit of its kind, as a file in a study folder would be. */
export function checkUploadSize(
	upload: { name: string; bytes: Uint8Array },
	kind: FileKind,
	limits = readConfig().limits
): void {
	if (upload.bytes.length > limits[kind]) tooBig(upload.name, upload.bytes.length, kind, limits);
}

/**
 * Opens a regular file for reading, checking its size against the limit of its kind. Opened
 * without following a last link (callers pass a real path) and without blocking, so a pipe
 * cannot hold the process; what was opened is checked, not what the name showed a moment before.
 */
function openRegular(file: string, display: string, kind: FileKind, limits: StudyFileLimits) {
	let fd: number;
	try {
		const { O_RDONLY, O_NONBLOCK, O_NOFOLLOW } = fs.constants;
		fd = fs.openSync(file, O_RDONLY | O_NONBLOCK | O_NOFOLLOW);
	} catch (e) {
		const code = (e as NodeJS.ErrnoException).code;
		refuse(display, code === 'ENOENT' ? 'file not found' : `cannot be read (${code})`);
	}
	const stat = fs.fstatSync(fd);
	if (!stat.isFile()) {
		fs.closeSync(fd);
		refuse(display, 'is not a regular file (a folder, device or pipe cannot be a study file)');
	}
	if (stat.size > limits[kind]) {
		fs.closeSync(fd);
		tooBig(display, stat.size, kind, limits);
	}
	return fd;
}

const CHUNK = 1024 * 1024;

/**
 * The lines of a regular file, read in chunks of 1 MB; `onChunk` sees the raw bytes (for a
 * digest). Stops with the size message if the file grows past its limit while it is read.
 */
export function* fileLines(
	file: string,
	display: string,
	kind: FileKind,
	limits: StudyFileLimits,
	onChunk: (bytes: Uint8Array) => void = () => {}
): Generator<Line> {
	const fd = openRegular(file, display, kind, limits);
	try {
		const decoder = new LineDecoder(display);
		const buffer = new Uint8Array(CHUNK);
		let total = 0;
		for (;;) {
			const n = fs.readSync(fd, buffer, 0, CHUNK, null);
			if (n === 0) break;
			total += n;
			if (total > limits[kind]) tooBig(display, total, kind, limits);
			const chunk = buffer.subarray(0, n);
			onChunk(chunk);
			yield* decoder.push(chunk);
		}
		yield* decoder.end();
	} finally {
		fs.closeSync(fd);
	}
}

/** A whole small file (study.yaml, a manifest) as text, read through the same checks. */
export function fileText(
	file: string,
	display: string,
	kind: FileKind,
	limits: StudyFileLimits,
	onChunk?: (bytes: Uint8Array) => void
): string {
	return Array.from(fileLines(file, display, kind, limits, onChunk), (l) => l.text).join('\n');
}
