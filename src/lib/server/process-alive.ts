import fs from 'node:fs';
import { hostname } from 'node:os';

/**
 * The kernel's start time of a process (Linux: field 22 of /proc/<pid>/stat, in clock ticks
 * since boot), or null when the process is gone, is a zombie, or the system has no /proc. A pid
 * together with its start time names one process: a later program that gets the same pid has
 * another start time.
 */
export function processStartTime(pid: number): string | null {
	let stat: string;
	try {
		stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
	} catch {
		// ENOENT, or ESRCH while it exits: the process is gone (or there is no /proc). The file is
		// readable by every user, so no other failure is expected here.
		return null;
	}
	// "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	const state = fields[0];
	// Z: killed but not yet reaped by its parent; X: dead. Neither runs any more.
	if (state === 'Z' || state === 'X') return null;
	return fields[19] ?? null; // field 22 overall: fields 3… start at index 0 here
}

/** Whether this system has /proc, so start times can be read (Linux). */
function hasProc(): boolean {
	return fs.existsSync('/proc/self/stat');
}

/**
 * Whether a process id is alive on this machine (EPERM: alive, but another user's). With
 * `startTime` (from processStartTime when the pid was recorded), a process that has the pid now
 * but started at another time is another program that reused the pid: not alive. A zombie (killed,
 * not yet reaped) is not alive either, though `kill(pid, 0)` still succeeds on it.
 */
export function isAlive(pid: number, startTime?: string | null): boolean {
	if (!Number.isInteger(pid) || pid <= 0) return false;
	if (pid === process.pid) return true;
	if (hasProc()) {
		const now = processStartTime(pid);
		if (now === null) return false;
		return !startTime || now === startTime;
	}
	try {
		process.kill(pid, 0);
		return true;
	} catch (e) {
		return (e as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/**
 * For a worker id of the form host/pid/…: true when it names a process of this host that is
 * gone. Workers of other hosts are never judged here (their leases expire instead).
 */
export function isDeadLocalWorker(worker: string | null): boolean {
	const [host, pid] = (worker ?? '').split('/');
	return host === hostname() && !isAlive(Number(pid));
}
