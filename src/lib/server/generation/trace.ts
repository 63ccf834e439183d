/**
 * Optional timing of a generation run, for the benchmark (tests/bench/generation.ts): where the
 * JavaScript thread spends its time between decode steps. Off unless a tracer is installed; then
 * each traced span costs two clock reads. Nothing here changes what a run does.
 */
import { performance as nodePerformance, type EventLoopUtilization } from 'node:perf_hooks';

/** What the job does on the JavaScript thread besides decoding. */
export type TraceCategory =
	'claim' | 'write' | 'heartbeat' | 'progress' | 'tokens' | 'prompt' | 'probe';

export interface Tracer {
	/** A span of `category` took `ms` (wall time from start to settle). */
	span(category: TraceCategory, ms: number): void;
	/** One llama.cpp decode call ran from `start` to `end` (performance.now()). */
	step(start: number, end: number): void;
}

let active: Tracer | null = null;

/** Installs a tracer for the runs that follow (null removes it). */
export function useTracer(tracer: Tracer | null): void {
	active = tracer;
}

export function tracer(): Tracer | null {
	return active;
}

/** Runs `work`, recording its wall time under `category` when a tracer is installed. */
export async function traced<T>(category: TraceCategory, work: () => Promise<T>): Promise<T> {
	const t = active;
	if (!t) return work();
	const start = performance.now();
	try {
		return await work();
	} finally {
		t.span(category, performance.now() - start);
	}
}

/** Totals of a traced run: steps, decode and gap times, and the spans by category. */
export class TraceTotals implements Tracer {
	steps = 0;
	decodeMs = 0;
	/** From the end of one decode call to the start of the next: sampling and JavaScript. */
	gaps: number[] = [];
	readonly spans = new Map<TraceCategory, { n: number; ms: number }>();
	/** Set by begin() and end(): the measured span, its first and last decode call. */
	spanStart = 0;
	spanEnd = 0;
	firstStep = 0;
	lastEnd: number | null = null;
	/** Over the span: the JavaScript thread's busy time and the process's CPU time. */
	busyMs = 0;
	cpuMs = 0;
	private elu: EventLoopUtilization | null = null;
	private cpu: NodeJS.CpuUsage | null = null;

	begin(): void {
		this.spanStart = performance.now();
		this.elu = nodePerformance.eventLoopUtilization();
		this.cpu = process.cpuUsage();
	}

	end(): void {
		this.spanEnd = performance.now();
		if (this.elu) this.busyMs = nodePerformance.eventLoopUtilization(this.elu).active;
		if (this.cpu) {
			const used = process.cpuUsage(this.cpu);
			this.cpuMs = (used.user + used.system) / 1000;
		}
	}

	span(category: TraceCategory, ms: number): void {
		const s = this.spans.get(category) ?? { n: 0, ms: 0 };
		s.n++;
		s.ms += ms;
		this.spans.set(category, s);
	}

	step(start: number, end: number): void {
		if (this.steps === 0) this.firstStep = start;
		this.steps++;
		this.decodeMs += end - start;
		if (this.lastEnd !== null) this.gaps.push(start - this.lastEnd);
		this.lastEnd = end;
	}
}
