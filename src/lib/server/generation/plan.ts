/**
 * The hardware plan of a generation run: which backend and device, how many layers on the GPU,
 * the memory it needs, threads, sequences and context, and an estimate of the time it takes.
 * Preflight checks it before anything is written (hardwareIssues); the job prints it in one line
 * once the model is loaded, before the first output is claimed (formatPlan).
 */
import os from 'node:os';
import { GgufInsights, readGgufFileInfo, type Llama } from 'node-llama-cpp';
import { resolveThreads, type CheckpointManifest } from '../../domain/checkpoint-manifest';
import type { Issue } from '../../errors';
import { GPU_BACKENDS, gpuSetting, getLlamaInstance } from './llama';

export interface HardwarePlan {
	/** Where the layers run: 'cpu' when none is offloaded, whatever library build loaded. */
	backend: string;
	/** The library build that loaded ('cpu', 'cuda', 'vulkan' or 'metal'). */
	library: string;
	device: string;
	gpuLayers: number;
	totalLayers: number;
	vramNeeded: number;
	vramFree: number;
	threads: number;
	sequences: number;
	/** Tokens of context per sequence. */
	contextSize: number;
	batchSize: number;
}

export interface TimeEstimate {
	outputs: number;
	promptTokens: number;
	maxTokens: number;
	/** Measured: seconds per prompt token in one batch, and per lock-step decode step. */
	prefillSeconds: number;
	stepSeconds: number;
}

/**
 * Upper bound on the time a run takes: every prompt prefilled, then every output running to
 * maxTokens with `sequences` outputs sharing each decode step.
 */
export function estimateSeconds(e: TimeEstimate, sequences: number): number {
	const steps = (e.outputs * e.maxTokens) / Math.max(1, sequences);
	return e.promptTokens * e.prefillSeconds + steps * e.stepSeconds;
}

export function formatBytes(n: number): string {
	if (n < 1024) return `${n} B`;
	const units = ['KiB', 'MiB', 'GiB', 'TiB'];
	let v = n / 1024;
	let u = 0;
	while (v >= 1024 && u < units.length - 1) {
		v /= 1024;
		u++;
	}
	return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

export function formatDuration(seconds: number): string {
	const s = Math.ceil(seconds);
	if (s < 60) return `${s} s`;
	const m = Math.round(s / 60);
	if (m < 60) return `${m} min`;
	return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** The plan in one line, e.g. "cpu (CPU: AMD EPYC), 0 of 2 layers on the GPU, …". */
export function formatPlan(plan: HardwarePlan, estimate: TimeEstimate | null): string {
	const library = plan.library !== plan.backend ? ` (${plan.library} build loaded)` : '';
	const parts = [
		`${plan.backend} on ${plan.device}${library}`,
		`${plan.gpuLayers} of ${plan.totalLayers} layers on the GPU`,
		`VRAM ${formatBytes(plan.vramNeeded)} needed, ${formatBytes(plan.vramFree)} free`,
		`${plan.threads} thread${plan.threads === 1 ? '' : 's'}`,
		`${plan.sequences} sequence${plan.sequences === 1 ? '' : 's'} × ${plan.contextSize} tokens of context`,
		`batch ${plan.batchSize}`
	];
	if (estimate)
		parts.push(
			`${estimate.outputs} output${estimate.outputs === 1 ? '' : 's'}, estimated ≤ ${formatDuration(estimateSeconds(estimate, plan.sequences))} left`
		);
	return parts.join(', ');
}

/** The device the layers run on: the GPU's name(s), or the CPU's model. */
export async function deviceName(llama: Llama, gpuLayers: number): Promise<string> {
	if (llama.gpu !== false && gpuLayers > 0) {
		const names = await llama.getGpuDeviceNames();
		if (names.length) return names.join(' + ');
	}
	const cpu = os.cpus()[0]?.model?.trim();
	return cpu ? `CPU (${cpu})` : 'CPU';
}

/** The threads a run uses: the manifest's (or the measured rule's), capped at the CPU count. */
export function planThreads(manifest: CheckpointManifest, llama: Llama): number {
	const threads = resolveThreads(manifest.threads, llama.cpuMathCores);
	return llama.maxThreads > 0 ? Math.min(threads, llama.maxThreads) : threads;
}

/** VRAM a model with `gpuLayers` offloaded and its context need, from node-llama-cpp's estimate. */
async function vramNeeded(
	insights: GgufInsights,
	gpuLayers: number,
	contextSize: number,
	sequences: number
): Promise<number> {
	if (gpuLayers === 0) return 0;
	const model = await insights.estimateModelResourceRequirementsV2({ gpuLayers });
	const context = await insights.estimateContextResourceRequirementsV2({
		contextSize,
		modelGpuLayers: gpuLayers,
		sequences
	});
	return model.gpuVram + context.gpuVram;
}

/**
 * What preflight knows of the hardware before loading anything, and every reason the run
 * cannot start: a GPU asked for (BLINDEVAL_GPU or a layer count in the manifest) where none is
 * found, or a model and context that do not fit in VRAM or RAM. Each message names the setting
 * to change.
 */
export async function hardwareIssues(
	manifest: CheckpointManifest,
	modelPath: string,
	sequences: number
): Promise<{ plan: HardwarePlan | null; issues: Issue[] }> {
	const setting = gpuSetting();
	let llama: Llama;
	try {
		llama = await getLlamaInstance();
	} catch (e) {
		return {
			plan: null,
			issues: [
				{
					field: 'BLINDEVAL_GPU',
					message: `is "${setting}" but that backend cannot be loaded on this machine (${(e as Error).message}): unset BLINDEVAL_GPU (or set it to auto or off) to run on what is there`
				}
			]
		};
	}
	const issues: Issue[] = [];
	const devices = llama.gpu === false ? [] : await llama.getGpuDeviceNames();
	const vram = await llama.getVramState();
	const hasGpu = devices.length > 0 && vram.total > 0;
	if ((GPU_BACKENDS as readonly string[]).includes(setting) && !hasGpu)
		issues.push({
			field: 'BLINDEVAL_GPU',
			message: `is "${setting}" but the ${llama.gpu || 'cpu'} backend reports no GPU device: unset BLINDEVAL_GPU (or set it to auto or off) to run on the CPU, or install the GPU's driver`
		});
	const insights = await GgufInsights.from(
		await readGgufFileInfo(modelPath, { logWarnings: false }),
		llama
	);
	const totalLayers = insights.totalLayers;
	let gpuLayers = 0;
	if (typeof manifest.gpu === 'number' && manifest.gpu > 0) {
		if (!hasGpu)
			issues.push({
				field: 'gpu',
				message: `asks for ${manifest.gpu} layers on the GPU but no GPU was found (backend ${llama.gpu || 'cpu'}): set gpu to auto (use a GPU when there is one) or off`
			});
		gpuLayers = Math.min(manifest.gpu, totalLayers);
	} else if (manifest.gpu === 'auto' && hasGpu) {
		try {
			gpuLayers = (await insights.configurationResolver.resolveModelGpuLayersV2('auto')).gpuLayers;
		} catch (e) {
			issues.push({
				field: 'gpu',
				message: `is auto, but no number of layers fits the GPU's free memory (${(e as Error).message}): set gpu to a number of layers or off, or free VRAM`
			});
		}
	}
	const needed = hasGpu
		? await vramNeeded(insights, gpuLayers, manifest.contextSize, sequences)
		: 0;
	if (hasGpu && needed > vram.free)
		issues.push({
			field: 'gpu',
			message: `${gpuLayers} layers with ${sequences} sequences × ${manifest.contextSize} tokens of context need ${formatBytes(needed)} of VRAM, ${formatBytes(vram.free)} is free: lower gpu (layers), parallel or contextSize`
		});
	const ram =
		(await insights.estimateModelResourceRequirementsV2({ gpuLayers })).cpuRam +
		(
			await insights.estimateContextResourceRequirementsV2({
				contextSize: manifest.contextSize,
				modelGpuLayers: gpuLayers,
				sequences
			})
		).cpuRam;
	if (ram > os.totalmem())
		issues.push({
			field: 'contextSize',
			message: `the model with ${sequences} sequences × ${manifest.contextSize} tokens of context needs ${formatBytes(ram)} of RAM, this machine has ${formatBytes(os.totalmem())}: use a smaller model, or lower parallel or contextSize`
		});
	const plan: HardwarePlan = {
		backend: gpuLayers > 0 && llama.gpu !== false ? llama.gpu : 'cpu',
		library: llama.gpu === false ? 'cpu' : llama.gpu,
		device: await deviceName(llama, gpuLayers),
		gpuLayers,
		totalLayers,
		vramNeeded: needed,
		vramFree: vram.free,
		threads: planThreads(manifest, llama),
		sequences,
		contextSize: manifest.contextSize,
		batchSize: Math.min(512, manifest.contextSize)
	};
	return { plan, issues };
}
