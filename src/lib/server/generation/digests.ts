import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { eq } from 'drizzle-orm';
import type { Db } from '../db';
import { fileDigests } from '../db/schema';

/** SHA-256 of a file, streamed (model files are gigabytes). */
export async function sha256File(file: string): Promise<string> {
	const hash = createHash('sha256');
	for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
	return hash.digest('hex');
}

/**
 * SHA-256 of a model or adapter file, computed once and cached by absolute path, size and mtime:
 * hashing an 8B model takes tens of seconds, and a changed file gets a new size or mtime.
 */
export async function digestOf(db: Db, file: string): Promise<string> {
	const stat = await fs.promises.stat(file);
	const size = stat.size;
	const mtimeMs = Math.floor(stat.mtimeMs);
	const [cached] = await db.select().from(fileDigests).where(eq(fileDigests.path, file));
	if (cached && cached.size === size && cached.mtimeMs === mtimeMs) return cached.sha256;
	const sha256 = await sha256File(file);
	await db
		.insert(fileDigests)
		.values({ path: file, size, mtimeMs, sha256 })
		.onConflictDoUpdate({
			target: fileDigests.path,
			set: { size, mtimeMs, sha256, computedAt: new Date() }
		});
	return sha256;
}
