import { hostname } from 'node:os';

/** Whether a process id is alive on this machine (EPERM: alive, but another user's). */
export function isAlive(pid: number): boolean {
	if (!Number.isInteger(pid) || pid <= 0) return false;
	if (pid === process.pid) return true;
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
