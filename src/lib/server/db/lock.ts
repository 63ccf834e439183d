import fs from 'node:fs';
import path from 'node:path';
import { ConflictError } from '../../errors';
import { isAlive } from '../process-alive';

/**
 * Takes an exclusive lock on a PGlite data folder (a pid file), failing with a clear message
 * when a live process holds it: PGlite has no server, so two processes on one folder would
 * corrupt it. A lock left by a dead process is taken over.
 */
export function acquireDataDirLock(dataDir: string): () => void {
	fs.mkdirSync(dataDir, { recursive: true });
	const file = path.join(dataDir, 'blindeval.lock');
	for (let attempt = 0; attempt < 2; attempt++) {
		try {
			fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
			return () => fs.rmSync(file, { force: true });
		} catch (e) {
			if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
			const pid = Number(fs.readFileSync(file, 'utf8'));
			if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) {
				throw new ConflictError(
					`The data folder ${dataDir} is in use by process ${pid} (the blindeval server?). ` +
						'Stop it first, or set DATABASE_URL to use PostgreSQL, which allows several processes.'
				);
			}
			fs.rmSync(file, { force: true });
		}
	}
	throw new Error(`Could not lock the data folder ${dataDir}`);
}
