/**
 * A generated study for the generation tests: N synthetic cases and local checkpoints whose
 * manifests point at the tiny model, written under one temporary root.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { buildTinyModelOnce } from './fixtures';

export interface GenManifest {
	model?: string;
	adapters?: { path: string; scale?: number }[];
	promptTemplate?: string;
	maxTokens?: number;
	contextSize?: number;
	parallel?: number;
	stop?: string[];
	/** Left out of the manifest when undefined, so the defaults apply. */
	gpu?: 'auto' | 'off' | number;
}

export async function writeGenStudy(
	root: string,
	opts: { cases: number; checkpoints: Record<string, GenManifest> }
): Promise<string> {
	const tiny = await buildTinyModelOnce();
	const dir = path.join(root, 'studies', 'gen');
	fs.mkdirSync(dir, { recursive: true });
	const sites = ['prostate', 'breast', 'lung', 'rectum', 'brain'];
	const cases = Array.from({ length: opts.cases }, (_, i) =>
		JSON.stringify({
			id: `G-${String(i + 1).padStart(3, '0')}`,
			source: {
				diagnosis: `Carcinoma of the ${sites[i % sites.length]}`,
				tnm: `cT${(i % 4) + 1} cN0 cM0`,
				radiotherapy: { modality: 'photon', total_dose_gy: 60 - (i % 5), fractions: 20 + (i % 10) }
			}
		})
	);
	fs.writeFileSync(path.join(dir, 'cases.jsonl'), cases.join('\n') + '\n');
	for (const [name, m] of Object.entries(opts.checkpoints)) {
		fs.writeFileSync(
			path.join(dir, `${name}.yaml`),
			stringify({
				name,
				model: m.model ?? path.join(tiny, 'tiny-random.gguf'),
				adapters: m.adapters ?? [],
				systemPrompt: 'You write letters.',
				promptTemplate:
					m.promptTemplate ??
					'Letter for {{case_id}}: {{diagnosis}}, {{tnm}}, {{radiotherapy.total_dose_gy}} Gy',
				sampling: { temperature: 0, maxTokens: m.maxTokens ?? 24, seed: 42, stop: m.stop ?? [] },
				contextSize: m.contextSize ?? 1024,
				parallel: m.parallel ?? 2,
				...(m.gpu === undefined ? {} : { gpu: m.gpu })
			})
		);
	}
	fs.writeFileSync(
		path.join(dir, 'study.yaml'),
		stringify({
			name: 'Generation test',
			seed: 'gen',
			cases: 'cases.jsonl',
			checkpoints: Object.keys(opts.checkpoints).map((name) => ({
				name,
				manifest: `${name}.yaml`
			})),
			form: { dimensions: [{ key: 'overall', label: 'Overall', anchors: ['1', '2', '3', '4'] }] }
		})
	);
	return dir;
}

export interface CliRun {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
}

/**
 * Runs the CLI in a child process. `killWhen` sees stderr as it arrives; returning true sends
 * SIGKILL at once (the process gets no chance to clean up: that is the point).
 */
export function runCli(
	args: string[],
	env: Record<string, string>,
	killWhen?: (stderr: string) => boolean
): Promise<CliRun> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
			env: { ...process.env, DATABASE_URL: '', ...env },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let stdout = '';
		let stderr = '';
		let killed = false;
		child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
		child.stderr.on('data', (d: Buffer) => {
			stderr += d.toString();
			if (!killed && killWhen?.(stderr)) {
				killed = true;
				child.kill('SIGKILL');
			}
		});
		child.on('error', reject);
		child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
	});
}

/** The last "done/total" the CLI's progress line printed. */
export function lastProgress(stderr: string): { done: number; total: number } | null {
	const all = [...stderr.matchAll(/ (\d+)\/(\d+) /g)];
	const m = all.at(-1);
	return m ? { done: Number(m[1]), total: Number(m[2]) } : null;
}
