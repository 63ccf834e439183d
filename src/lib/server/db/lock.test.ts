/**
 * The data-folder lock against real processes: a holder that is alive keeps the folder; one
 * killed with `kill -9` gives it up at once, also while it is a zombie (its parent has not
 * reaped it, so `kill(pid, 0)` still succeeds) or when its pid now belongs to another program.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processStartTime } from '../process-alive';
import { acquireDataDirLock } from './lock';

const LOCK_MODULE = path.resolve('src/lib/server/db/lock.ts');
const dirs: string[] = [];
const children: ChildProcess[] = [];
const holders: number[] = [];

afterEach(() => {
	for (const pid of holders.splice(0)) {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {
			// killed by the test already
		}
	}
	for (const c of children.splice(0)) c.kill('SIGKILL');
	for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-lock-'));
	dirs.push(dir);
	return dir;
}

/**
 * Starts a process that takes the lock and waits. Run in the background of a shell that then
 * becomes `sleep` (exec), so the holder's parent never reaps it: killed, it stays a zombie.
 * Resolves with the holder's pid once it holds the lock.
 */
async function holder(dataDir: string): Promise<number> {
	const script =
		`import(${JSON.stringify(LOCK_MODULE)}).then((m) => {` +
		`m.acquireDataDirLock(${JSON.stringify(dataDir)}); console.log('locked ' + process.pid);` +
		'setInterval(() => {}, 1000); })';
	const shell = spawn(
		'sh',
		['-c', `"${process.execPath}" --import tsx -e "$SCRIPT" & exec sleep 120`],
		{ env: { ...process.env, SCRIPT: script }, stdio: ['ignore', 'pipe', 'inherit'] }
	);
	children.push(shell);
	let out = '';
	return new Promise((resolve, reject) => {
		shell.stdout!.on('data', (chunk: Buffer) => {
			out += chunk.toString();
			const m = /locked (\d+)/.exec(out);
			if (m) {
				holders.push(Number(m[1]));
				resolve(Number(m[1]));
			}
		});
		shell.on('exit', () => reject(new Error(`the lock holder exited: ${out}`)));
	});
}

async function waitFor(check: () => boolean): Promise<void> {
	for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
	expect(check()).toBe(true);
}

function state(pid: number): string | undefined {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
	} catch {
		return undefined;
	}
}

describe('data-folder lock', () => {
	it('refuses a folder held by a live process, naming it', async () => {
		const dir = tempDir();
		const pid = await holder(dir);
		expect(() => acquireDataDirLock(dir)).toThrow(`in use by process ${pid}`);
	});

	it('takes over at once a lock whose holder was killed and is a zombie', async () => {
		const dir = tempDir();
		const pid = await holder(dir);
		process.kill(pid, 'SIGKILL');
		await waitFor(() => state(pid) === 'Z');
		// The old check, kill(pid, 0), still counts the zombie as alive.
		expect(() => process.kill(pid, 0)).not.toThrow();
		const started = performance.now();
		const release = acquireDataDirLock(dir);
		expect(performance.now() - started).toBeLessThan(1000);
		const lock = JSON.parse(fs.readFileSync(path.join(dir, 'blindeval.lock'), 'utf8'));
		expect(lock).toEqual({ pid: process.pid, start: processStartTime(process.pid) });
		release();
		expect(fs.existsSync(path.join(dir, 'blindeval.lock'))).toBe(false);
	});

	it('takes over a lock whose pid now belongs to another program', async () => {
		const dir = tempDir();
		const pid = await holder(dir);
		const file = path.join(dir, 'blindeval.lock');
		const held = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number; start: string };
		expect(held.pid).toBe(pid);
		process.kill(pid, 'SIGKILL');
		// The holder's pid given to a new program: a live process with another start time.
		const other = spawn('sleep', ['120'], { stdio: 'ignore' });
		children.push(other);
		await waitFor(() => processStartTime(other.pid!) !== null);
		expect(processStartTime(other.pid!)).not.toBe(held.start);
		fs.writeFileSync(file, JSON.stringify({ pid: other.pid, start: held.start }));
		const release = acquireDataDirLock(dir);
		expect(JSON.parse(fs.readFileSync(file, 'utf8')).pid).toBe(process.pid);
		release();
	});

	it('still reads a lock written by older versions (a bare pid)', async () => {
		const dir = tempDir();
		const live = spawn('sleep', ['120'], { stdio: 'ignore' });
		children.push(live);
		await waitFor(() => processStartTime(live.pid!) !== null);
		const file = path.join(dir, 'blindeval.lock');
		fs.writeFileSync(file, String(live.pid));
		expect(() => acquireDataDirLock(dir)).toThrow(`in use by process ${live.pid}`);
		live.kill('SIGKILL');
		await waitFor(() => processStartTime(live.pid!) === null);
		acquireDataDirLock(dir)();
	});
});
