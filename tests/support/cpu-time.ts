/**
 * CPU time spent by processes (Linux /proc), for the load benchmark: on a shared machine a
 * request's CPU cost (server + database) is steadier than its throughput, which depends on what
 * else runs. Resolution: the kernel's clock tick (usually 10 ms), fine over thousands of requests.
 */
import fs from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux architecture Node runs on

/** User + system CPU milliseconds of process `pid` so far, or 0 if it is gone. */
export function cpuMsOf(pid: number): number {
	let stat: string;
	try {
		stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
	} catch {
		return 0;
	}
	// Fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/**
 * A meter over a changing set of processes (a server and its database connections): `start()`
 * notes each one's CPU time, `stop()` sums what each used since (all of it for a process that
 * appeared in between).
 */
export class CpuMeter {
	#start = new Map<number, number>();

	constructor(readonly pids: () => Promise<number[]>) {}

	async start(): Promise<void> {
		this.#start = new Map((await this.pids()).map((p) => [p, cpuMsOf(p)]));
	}

	/** CPU milliseconds used since start(). */
	async stop(): Promise<number> {
		const now = new Set([...(await this.pids()), ...this.#start.keys()]);
		let ms = 0;
		for (const pid of now) ms += Math.max(0, cpuMsOf(pid) - (this.#start.get(pid) ?? 0));
		return ms;
	}
}
