/**
 * Bench-only: when BLINDEVAL_STALL_TRACE names a file, the server appends to it, one JSON object
 * a line, every garbage collection pause of at least 2 ms ({ t, gc, ms }) and every 50 ms window
 * whose event loop was blocked for at least 10 ms ({ t, loop }); `t` is the wall clock in ms.
 * tests/bench/rating-day.ts (--trace) lines these up with its slow requests. Off by default;
 * nothing about a request (no path, body or user) is ever written.
 */
import fs from 'node:fs';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

const GC_KINDS: Record<number, string> = {
	[constants.NODE_PERFORMANCE_GC_MINOR]: 'minor (scavenge)',
	[constants.NODE_PERFORMANCE_GC_MAJOR]: 'major (mark-compact)',
	[constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
	[constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks'
};

export function startStallTrace(file: string | undefined): void {
	if (!file) return;
	const fd = fs.openSync(file, 'a');
	const write = (line: object) => fs.writeSync(fd, JSON.stringify(line) + '\n');
	const origin = performance.timeOrigin;
	new PerformanceObserver((list) => {
		for (const e of list.getEntries()) {
			if (e.duration < 2) continue;
			const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
			write({
				t: Math.round(origin + e.startTime),
				gc: GC_KINDS[kind] ?? kind,
				ms: +e.duration.toFixed(1)
			});
		}
	}).observe({ entryTypes: ['gc'] });
	const delay = monitorEventLoopDelay({ resolution: 5 });
	delay.enable();
	const timer = setInterval(() => {
		const max = delay.max / 1e6;
		delay.reset();
		if (max >= 10) write({ t: Date.now(), loop: +max.toFixed(1) });
	}, 50);
	timer.unref();
}
