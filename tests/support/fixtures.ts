import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const DEMO = path.resolve('studies/demo');
let tinyDir: string | undefined;

/**
 * Builds the tiny model once per test process (seeded, so always the same bytes), in `into` or a
 * temporary folder. That folder becomes a models folder of this process besides models/
 * (BLINDEVAL_MODELS_DIR), since studies may only read manifests and weights from their own
 * folder and the models folders.
 */
export async function buildTinyModelOnce(into?: string): Promise<string> {
	if (tinyDir) return tinyDir;
	const { makeTinyModel } = await import('../../models/make-tiny-model');
	const dir = into ?? fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-tiny-'));
	await makeTinyModel({ dir });
	tinyDir = dir;
	const configured = process.env.BLINDEVAL_MODELS_DIR || 'models';
	process.env.BLINDEVAL_MODELS_DIR = [configured, dir].join(path.delimiter);
	return dir;
}

export interface CopyOptions {
	/** Folder name of the copy, which is the study's slug (default demo). */
	slug?: string;
	/** Copy from this study folder instead of studies/demo. */
	from?: string;
	/** Change file contents (keys are paths relative to the study folder). */
	mutate?: (files: Record<string, string>) => void;
}

/**
 * Copies the demo study into `<root>/<label>/studies/<slug>/`, with `<root>/<label>/models`
 * pointing at the tiny model, so the study's `../../models/tiny-random.yaml` resolves.
 */
export function copyDemoStudy(root: string, label: string, opts: CopyOptions = {}): string {
	const base = path.join(root, label);
	const dir = path.join(base, 'studies', opts.slug ?? 'demo');
	const from = opts.from ?? DEMO;
	const files: Record<string, string> = {};
	for (const rel of ['study.yaml', 'cases.jsonl', 'outputs/base.jsonl', 'outputs/finetuned.jsonl'])
		files[rel] = fs.readFileSync(path.join(from, rel), 'utf8');
	// tiny-random.yaml sits in models/ and is found there through the study's ../../models path.
	opts.mutate?.(files);
	for (const [rel, text] of Object.entries(files)) {
		fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
		fs.writeFileSync(path.join(dir, rel), text);
	}
	if (tinyDir && !fs.existsSync(path.join(base, 'models')))
		fs.symlinkSync(tinyDir, path.join(base, 'models'));
	return dir;
}
