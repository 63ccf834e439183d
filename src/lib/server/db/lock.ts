import fs from 'node:fs';
import path from 'node:path';
import { ConflictError } from '../../errors';
import { isAlive, processStartTime } from '../process-alive';

/** Who holds a data folder: the pid, and its start time where the system tells it (Linux). */
interface Holder {
	pid: number;
	start: string | null;
}

/** The lock file's holder: `{"pid", "start"}`, or a bare pid as written by older versions. */
function readHolder(file: string): Holder {
	const text = fs.readFileSync(file, 'utf8').trim();
	try {
		const value = JSON.parse(text) as unknown;
		if (typeof value === 'number') return { pid: value, start: null };
		const v = value as Partial<Holder> | null;
		return {
			pid: typeof v?.pid === 'number' ? v.pid : NaN,
			start: typeof v?.start === 'string' ? v.start : null
		};
	} catch {
		return { pid: NaN, start: null }; // cut short or garbled: no live holder can be named
	}
}

/**
 * Takes an exclusive lock on a PGlite data folder (a pid file), failing with a clear message
 * when a live process holds it: PGlite has no server, so two processes on one folder would
 * corrupt it. A lock left by a dead process is taken over at once, also when that process is a
 * zombie (killed with `kill -9`, not yet reaped) or its pid now belongs to another program: the
 * file records the holder's start time, and a process with another start time is not the holder.
 */
export function acquireDataDirLock(dataDir: string): () => void {
	fs.mkdirSync(dataDir, { recursive: true });
	const file = path.join(dataDir, 'blindeval.lock');
	const me = JSON.stringify({ pid: process.pid, start: processStartTime(process.pid) });
	// Written whole under a name of its own, then linked into place: link() fails when the lock
	// exists, and a reader never sees a lock file without its holder.
	const mine = `${file}.${process.pid}`;
	fs.writeFileSync(mine, me);
	try {
		for (let attempt = 0; attempt < 2; attempt++) {
			try {
				fs.linkSync(mine, file);
				return () => fs.rmSync(file, { force: true });
			} catch (e) {
				if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
				const { pid, start } = readHolder(file);
				if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid, start)) {
					throw new ConflictError(
						`The data folder ${dataDir} is in use by process ${pid} (the blindeval server?). ` +
							'Stop it first, or set DATABASE_URL to use PostgreSQL, which allows several processes.'
					);
				}
				fs.rmSync(file, { force: true });
			}
		}
	} finally {
		fs.rmSync(mine, { force: true });
	}
	throw new Error(`Could not lock the data folder ${dataDir}`);
}
