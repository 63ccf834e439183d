/** A round's export in one format as one string, as the CLI would write it. */
import { CLI } from '../../src/lib/server/auth/actors';
import type { Database } from '../../src/lib/server/db';
import { exportStream, type ExportFormat } from '../../src/lib/server/exports';

export async function exportText(
	database: Database,
	roundId: string,
	format: ExportFormat
): Promise<string> {
	let s = '';
	for await (const c of (await exportStream(database.db, CLI, roundId, format)).chunks) s += c;
	return s;
}
