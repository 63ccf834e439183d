/**
 * Preflight: everything a generation run needs is checked before anything is claimed or
 * written, and every problem is reported in one message. Model and adapter files exist and are
 * valid GGUF; each adapter fits its base model (architecture and tensor shapes); the prompt
 * template renders for every case (checked by the caller); the context holds the longest
 * rendered prompt plus max tokens (the prompts are tokenized with a vocabulary-only load); a GPU
 * asked for is there, and the model and its context fit in VRAM and RAM (plan.ts).
 */
import path from 'node:path';
import { readGgufFileInfo, type GgufTensorInfo } from 'node-llama-cpp';
import type { CheckpointManifest } from '../../domain/checkpoint-manifest';
import type { Issue } from '../../errors';
import { getLlamaInstance, makeRenderer, preflightModel } from './llama';
import { hardwareIssues } from './plan';

async function tensors(file: string): Promise<Map<string, readonly number[]>> {
	const info = await readGgufFileInfo(file, { readTensorInfo: true, logWarnings: false });
	return new Map(
		(info.fullTensorInfo ?? []).map((t: GgufTensorInfo) => [t.name, t.dimensions.map(Number)])
	);
}

/**
 * An adapter fits a model when it has the model's architecture and every `W.lora_a` [n_in, r] /
 * `W.lora_b` [r, n_out] pair targets a tensor W of the model with shape [n_in, n_out].
 * Without this check llama.cpp fails with a generic "Failed to initialize LoRA adapter".
 */
export async function adapterMismatch(
	modelPath: string,
	adapterPath: string
): Promise<string | null> {
	const [model, adapter] = await Promise.all([tensors(modelPath), tensors(adapterPath)]);
	const problems: string[] = [];
	for (const [name, dims] of adapter) {
		const m = /^(.*)\.lora_([ab])$/.exec(name);
		if (!m) continue;
		const base = model.get(m[1]!);
		if (!base) {
			problems.push(`targets ${m[1]}, which the model does not have`);
			continue;
		}
		if (m[2] === 'a' && dims[0] !== base[0])
			problems.push(`${name} expects input size ${dims[0]}, the model's ${m[1]} has ${base[0]}`);
		if (m[2] === 'b' && dims[1] !== base[1])
			problems.push(`${name} produces size ${dims[1]}, the model's ${m[1]} has ${base[1]}`);
	}
	if (!problems.length) return null;
	const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : '';
	return `adapter ${adapterPath} does not fit model ${modelPath}: ${problems.slice(0, 3).join('; ')}${more}`;
}

/** Token counts of the rendered prompts (chat template applied), from the vocabulary alone. */
export async function promptTokenCounts(
	manifest: CheckpointManifest,
	modelPath: string,
	prompts: string[]
): Promise<number[]> {
	const llama = await getLlamaInstance();
	const model = await llama.loadModel({ modelPath, vocabOnly: true });
	try {
		const renderer = makeRenderer(model, manifest);
		return prompts.map((p) => renderer.render(p).tokens.length);
	} finally {
		await model.dispose();
	}
}

/** All preflight issues for one checkpoint; `prompts` are the rendered user prompts by case. */
export async function preflight(
	manifest: CheckpointManifest,
	manifestDir: string,
	prompts: { caseId: string; prompt: string }[]
): Promise<Issue[]> {
	const issues: Issue[] = [];
	const modelPath = path.resolve(manifestDir, manifest.model);
	let modelOk = true;
	try {
		await preflightModel(modelPath, 'model');
	} catch (e) {
		modelOk = false;
		issues.push({ file: modelPath, message: (e as Error).message });
	}
	for (const a of manifest.adapters) {
		const adapterPath = path.resolve(manifestDir, a.path);
		try {
			await preflightModel(adapterPath, 'adapter');
			const mismatch = modelOk ? await adapterMismatch(modelPath, adapterPath) : null;
			if (mismatch) issues.push({ file: adapterPath, message: mismatch });
		} catch (e) {
			issues.push({ file: adapterPath, message: (e as Error).message });
		}
	}
	let llamaOk = false;
	if (modelOk) {
		const sequences = Math.max(1, Math.min(manifest.parallel, prompts.length));
		const hardware = await hardwareIssues(manifest, modelPath, sequences);
		llamaOk = hardware.plan !== null;
		issues.push(...hardware.issues);
	}
	// Without a loadable backend the prompts cannot be tokenized; that issue is reported already.
	if (modelOk && llamaOk && prompts.length) {
		const counts = await promptTokenCounts(
			manifest,
			modelPath,
			prompts.map((p) => p.prompt)
		);
		const longest = Math.max(...counts);
		const needed = longest + manifest.sampling.maxTokens;
		if (needed > manifest.contextSize) {
			const which = prompts[counts.indexOf(longest)]!.caseId;
			issues.push({
				field: 'contextSize',
				message: `is ${manifest.contextSize} tokens, but the longest prompt (case ${which}) has ${longest} tokens and maxTokens is ${manifest.sampling.maxTokens}: raise contextSize to at least ${needed} or lower maxTokens`
			});
		}
	}
	return issues;
}
