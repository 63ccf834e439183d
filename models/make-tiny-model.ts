/**
 * Writes the tiny random test model, its LoRA adapter and their two checkpoint manifests.
 *
 *   npm run cli -- make-tiny-model [--seed N] [--dir DIR]
 *   npx tsx models/make-tiny-model.ts [--seed N] [--dir DIR]
 *
 * Defaults: seed 1234, this folder. The same seed always writes byte-identical files. The
 * GGUF files are ignored by git; the manifests in this folder are committed (the script
 * rewrites them identically) because the demo study refers to tiny-random.yaml.
 */
import { stat } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildTinyModel, writeTinyManifests } from '../src/lib/server/generation/tiny-model';

export const DEFAULT_SEED = 1234;
const HERE = dirname(fileURLToPath(import.meta.url));

/** Builds everything into `dir` (default: this folder); returns one "path<TAB>size" per file. */
export async function makeTinyModel(opts: { dir?: string; seed?: number } = {}): Promise<string[]> {
	const seed = opts.seed ?? DEFAULT_SEED;
	if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
		throw new Error(`--seed must be an integer from 0 to ${0xffffffff}, got "${seed}"`);
	const dir = resolve(opts.dir ?? HERE);
	const { modelPath, adapterPath } = await buildTinyModel({ seed, dir });
	const { baseManifestPath, loraManifestPath } = await writeTinyManifests(dir);
	const lines: string[] = [];
	for (const file of [modelPath, adapterPath, baseManifestPath, loraManifestPath]) {
		const { size } = await stat(file);
		const shown = relative(process.cwd(), file);
		lines.push(`${shown.startsWith('..') ? file : shown}\t${size.toLocaleString('en')} bytes`);
	}
	return lines;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	const { values } = parseArgs({
		options: {
			seed: { type: 'string' },
			dir: { type: 'string' },
			help: { type: 'boolean', short: 'h', default: false }
		}
	});
	if (values.help) {
		console.log('usage: npx tsx models/make-tiny-model.ts [--seed N] [--dir DIR]');
		process.exit(0);
	}
	for (const line of await makeTinyModel({
		dir: values.dir,
		seed: values.seed === undefined ? undefined : Number(values.seed)
	}))
		console.log(line);
}
