/**
 * Lock-step decoding for the sequences of one context: every decode step carries one token (or
 * a new prompt) of every running sequence. node-llama-cpp decodes whatever is queued when its
 * previous step ends, so sequences whose JavaScript takes a little longer miss the step and the
 * sequences drift out of phase for good (with 4 sequences, steps carried mostly 3 tokens). Here
 * each sequence's decode request is held until every live slot has one, then all are queued in
 * the same tick, so whichever dispatch picks them up decodes them together.
 *
 * This reaches into two internals of node-llama-cpp 3.22 (the context's `_decodeTokens` and its
 * native `_ctx.addToBatch`/`decodeBatch`); `attach` checks they exist and fails loudly if an
 * upgrade removed them. The step counts are what llama.cpp was actually given.
 */
import type { LlamaContext } from 'node-llama-cpp';
import { tracer } from './trace';

type DecodeTokens = (item: { sequenceId: number }, mapper: unknown) => Promise<unknown>;
interface ContextInternals {
	_decodeTokens: DecodeTokens;
	_ctx: {
		addToBatch: (sequenceId: number, ...rest: unknown[]) => unknown;
		decodeBatch: () => Promise<unknown>;
	};
}

/** The internals attach() needs that a context lacks, named as in node-llama-cpp's source. */
export function missingInternals(context: LlamaContext): string[] {
	const internals = context as unknown as Partial<ContextInternals>;
	const missing: string[] = [];
	if (typeof internals._decodeTokens !== 'function') missing.push('LlamaContext._decodeTokens');
	for (const method of ['addToBatch', 'decodeBatch'] as const)
		if (typeof internals._ctx?.[method] !== 'function')
			missing.push(`LlamaContext._ctx.${method} (native)`);
	return missing;
}

/** How full the decode steps were: `${live}:${sequences}` → number of steps. */
export type StepHistogram = Record<string, number>;

export class LockStep {
	/** Slots that will submit a decode request before the next step: not retired. */
	private live = 0;
	private held: (() => void)[] = [];
	private inStep = new Set<number>();
	readonly steps: StepHistogram = {};

	/** Wraps the context's decode entry points; call before any sequence evaluates. */
	attach(context: LlamaContext, slots: number): void {
		const internals = context as unknown as ContextInternals;
		const missing = missingInternals(context);
		if (missing.length)
			throw new Error(
				`lock-step decoding needs node-llama-cpp 3.22 internals that this version lacks: ${missing.join(', ')} (src/lib/server/generation/lockstep.ts)`
			);
		const native = internals._ctx;
		this.live = slots;
		const decodeTokens = internals._decodeTokens.bind(context);
		internals._decodeTokens = (item, mapper) =>
			new Promise((resolve, reject) => {
				this.held.push(() => {
					decodeTokens(item, mapper).then(resolve, reject);
				});
				this.release();
			});
		// The native object's methods are read-only properties: count through a proxy instead.
		const addToBatch = native.addToBatch.bind(native);
		const decodeBatch = native.decodeBatch.bind(native);
		const counted = {
			addToBatch: (sequenceId: number, ...rest: unknown[]) => {
				this.inStep.add(sequenceId);
				return addToBatch(sequenceId, ...rest);
			},
			decodeBatch: () => {
				const key = `${this.live}:${this.inStep.size}`;
				this.steps[key] = (this.steps[key] ?? 0) + 1;
				this.inStep.clear();
				const trace = tracer();
				if (!trace) return decodeBatch();
				const start = performance.now();
				return decodeBatch().finally(() => trace.step(start, performance.now()));
			}
		};
		// Other methods are bound once, not on every call (sampling reads one per token).
		const bound = new Map<PropertyKey, unknown>();
		internals._ctx = new Proxy(native, {
			get(target, prop) {
				if (prop === 'addToBatch' || prop === 'decodeBatch') return counted[prop];
				const value: unknown = Reflect.get(target, prop);
				if (typeof value !== 'function') return value;
				let method = bound.get(prop);
				if (!method) bound.set(prop, (method = (value as () => unknown).bind(target)));
				return method;
			}
		});
	}

	/** A slot will not submit again (its source ran dry, it was cancelled or it failed). */
	retire(): void {
		this.live--;
		this.release();
	}

	/** Queues every held request at once when each live slot has one. */
	private release(): void {
		if (this.held.length === 0 || this.held.length < this.live) return;
		const ready = this.held;
		this.held = [];
		for (const queue of ready) queue();
	}
}

/** Share of the steps taken while `slots` slots were live that carried a token of each. */
export function fullStepShare(steps: StepHistogram, slots: number): number | null {
	let all = 0;
	let full = 0;
	for (const [key, n] of Object.entries(steps)) {
		const [live, sequences] = key.split(':').map(Number);
		if (live !== slots) continue;
		all += n;
		if (sequences === slots) full += n;
	}
	return all === 0 ? null : full / all;
}
