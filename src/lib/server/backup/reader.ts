/**
 * Reading a backup file: its lines, gunzipped when it is gzip (a gunzipped copy reads the
 * same), checked to be UTF-8 and of sane length, each with its number for error messages.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { ValidationError } from '../../errors';
import { fileIssue, parseHeader, type BackupHeader, type Line } from './format';

/** A longer line is damage (or not a backup at all), not a row. */
const MAX_LINE_CHARS = 256 * 1024 * 1024;

/** The file's lines, gunzipped when the file is gzip (a gunzipped copy reads the same). */
export async function* readLines(file: string): AsyncGenerator<Line> {
	let fd: number;
	try {
		fd = fs.openSync(file, 'r');
	} catch (e) {
		const code = (e as NodeJS.ErrnoException).code;
		const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code;
		throw fileIssue(file, undefined, `cannot be read (${why})`);
	}
	const magic = Buffer.alloc(2);
	const got = fs.readSync(fd, magic, 0, 2, 0);
	const input = fs.createReadStream('', { fd, start: 0 });
	const gzip = got === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
	const stream = gzip ? input.pipe(zlib.createGunzip()) : input;
	if (gzip) input.on('error', (e) => stream.destroy(e));
	const decoder = new TextDecoder('utf-8', { fatal: true });
	let pending = '';
	let number = 0;
	try {
		for await (const chunk of stream as AsyncIterable<Buffer>) {
			let text: string;
			try {
				text = decoder.decode(chunk, { stream: true });
			} catch {
				throw fileIssue(file, number + 1, 'is not valid UTF-8 text (the file is damaged)');
			}
			pending += text;
			if (pending.length > MAX_LINE_CHARS && pending.indexOf('\n') < 0)
				throw fileIssue(file, number + 1, 'is too long: the file is damaged or not a backup');
			let start = 0;
			for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n', start)) {
				yield { text: pending.slice(start, nl), number: ++number };
				start = nl + 1;
			}
			pending = pending.slice(start);
		}
		try {
			pending += decoder.decode();
		} catch {
			throw fileIssue(file, number + 1, 'is not valid UTF-8 text (the file is damaged)');
		}
	} catch (e) {
		if (e instanceof ValidationError) throw e;
		throw fileIssue(
			file,
			number + 1,
			gzip
				? `the compressed data is damaged or cut short after line ${number} (${(e as Error).message})`
				: `cannot be read (${(e as Error).message})`
		);
	} finally {
		input.destroy();
		stream.destroy();
	}
	if (pending !== '') yield { text: pending, number: ++number };
}

/** Reads and checks the first line only: what `restore` looks at before it opens a database. */
export async function readBackupHeader(file: string): Promise<BackupHeader> {
	const lines = readLines(file);
	try {
		const first = await lines.next();
		return parseHeader(file, first.done ? undefined : first.value);
	} finally {
		await lines.return(undefined);
	}
}
