import { describe, expect, it } from 'vitest';
import { fullStepShare } from './lockstep';
import {
	estimateSeconds,
	formatBytes,
	formatDuration,
	formatPlan,
	type HardwarePlan
} from './plan';

const gpuPlan: HardwarePlan = {
	backend: 'cuda',
	library: 'cuda',
	device: 'NVIDIA RTX 6000 Ada Generation',
	gpuLayers: 33,
	totalLayers: 33,
	vramNeeded: 9.1 * 2 ** 30,
	vramFree: 46 * 2 ** 30,
	threads: 8,
	sequences: 8,
	contextSize: 4096,
	batchSize: 512
};

describe('estimateSeconds', () => {
	it('adds the prefill of every prompt to maxTokens steps shared by the sequences', () => {
		// The README's worked estimate for the first paper: 10 letters of up to 700 tokens.
		const e = {
			outputs: 10,
			promptTokens: 4000,
			maxTokens: 700,
			prefillSeconds: 1 / 3000,
			stepSeconds: 0.02
		};
		expect(estimateSeconds(e, 8)).toBeCloseTo(875 * 0.02 + 4000 / 3000, 6);
		expect(estimateSeconds(e, 1)).toBeCloseTo(7000 * 0.02 + 4000 / 3000, 6);
	});
});

describe('formatPlan', () => {
	it('names backend, device, layers, memory, threads, sequences, context and the estimate', () => {
		const estimate = {
			outputs: 7903,
			promptTokens: 7903 * 400,
			maxTokens: 700,
			prefillSeconds: 1 / 3000,
			stepSeconds: 0.02
		};
		expect(formatPlan(gpuPlan, estimate)).toBe(
			'cuda on NVIDIA RTX 6000 Ada Generation, 33 of 33 layers on the GPU, VRAM 9.1 GiB needed, 46 GiB free, 8 threads, 8 sequences × 4096 tokens of context, batch 512, 7903 outputs, estimated ≤ 4 h 08 min left'
		);
	});

	it('says which build loaded when the layers run elsewhere', () => {
		const cpu = { ...gpuPlan, backend: 'cpu', device: 'CPU', gpuLayers: 0, vramNeeded: 0 };
		expect(formatPlan({ ...cpu, threads: 1, sequences: 1 }, null)).toBe(
			'cpu on CPU (cuda build loaded), 0 of 33 layers on the GPU, VRAM 0 B needed, 46 GiB free, 1 thread, 1 sequence × 4096 tokens of context, batch 512'
		);
	});

	it('formats sizes and durations', () => {
		expect([0, 1023, 1024, 1.5 * 2 ** 20, 12 * 2 ** 30].map(formatBytes)).toEqual([
			'0 B',
			'1023 B',
			'1.0 KiB',
			'1.5 MiB',
			'12 GiB'
		]);
		expect([0.2, 59, 61, 3599, 3600, 14884].map(formatDuration)).toEqual([
			'1 s',
			'59 s',
			'1 min',
			'1 h 00 min',
			'1 h 00 min',
			'4 h 08 min'
		]);
	});
});

describe('fullStepShare', () => {
	it('counts only the steps taken while every slot was live', () => {
		expect(fullStepShare({ '4:4': 90, '4:3': 10, '3:3': 5, '1:1': 7 }, 4)).toBe(0.9);
		expect(fullStepShare({ '1:1': 3 }, 4)).toBeNull();
	});
});
