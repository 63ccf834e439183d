/**
 * The production server (`node server.js`) as a child process for the load benchmark and the
 * fault tests: built first when the build is missing or older than the sources, started on a
 * port with a database of the caller's choosing, killed with SIGKILL or stopped with SIGTERM.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

function newestMtime(dir: string): number {
	let newest = 0;
	for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
		const p = path.join(dir, e.name);
		newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
	}
	return newest;
}

/** Runs `vite build` unless build/ is newer than every source file (a stale build would lie). */
export function ensureBuild(): void {
	const built = fs.existsSync('build/index.js') ? fs.statSync('build/index.js').mtimeMs : 0;
	const sources = Math.max(
		newestMtime('src'),
		...['server.js', 'svelte.config.js', 'vite.config.ts', 'package.json'].map(
			(f) => fs.statSync(f).mtimeMs
		)
	);
	if (built > sources) return;
	execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
}

/** A port nobody listens on now (the kernel's choice). */
export async function freePort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as net.AddressInfo).port;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

export class AppServer {
	#child: ChildProcess | null = null;
	/** The end of the server's error output (its error lines carry no data: log.ts). */
	stderr = '';
	readonly origin: string;

	constructor(
		readonly port: number,
		readonly env: Record<string, string>
	) {
		this.origin = `http://127.0.0.1:${port}`;
	}

	/** Starts the server and waits until /api/health answers. Its output is discarded: under
	 * fault injection it logs every refused connection, and the figures are what matter. */
	async start(timeoutMs = 120_000): Promise<void> {
		const env: Record<string, string | undefined> = { ...process.env, ...this.env };
		if (!this.env.DATABASE_URL) delete env.DATABASE_URL;
		const child = spawn(process.execPath, ['server.js'], {
			env: { ...env, PORT: String(this.port), HOST: '127.0.0.1', ORIGIN: this.origin },
			stdio: ['ignore', 'ignore', 'pipe']
		});
		child.stderr!.on('data', (c: Buffer) => {
			this.stderr = (this.stderr + c.toString()).slice(-4000);
		});
		this.#child = child;
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			if (child.exitCode !== null || child.signalCode !== null)
				throw new Error(
					`the server exited (${child.exitCode ?? child.signalCode}): ${this.stderr}`
				);
			try {
				const r = await fetch(`${this.origin}/api/health`);
				if (r.ok) return;
			} catch {
				// not listening yet
			}
			await new Promise((r) => setTimeout(r, 100));
		}
		throw new Error(`the server did not answer within ${timeoutMs / 1000} s: ${this.stderr}`);
	}

	/** The server process's id while it runs (the load benchmark reads its CPU time). */
	get pid(): number | undefined {
		return this.#child?.pid;
	}

	/** kill -9: no shutdown hook, no closing of the database. Resolves once it is gone. */
	async kill9(): Promise<void> {
		await this.#end('SIGKILL');
	}

	/** A clean stop (adapter-node closes the database on SIGTERM). */
	async stop(): Promise<void> {
		await this.#end('SIGTERM');
	}

	async #end(signal: NodeJS.Signals): Promise<void> {
		const child = this.#child;
		this.#child = null;
		if (!child || child.exitCode !== null || child.signalCode !== null) return;
		const exited = new Promise((resolve) => child.once('exit', resolve));
		child.kill(signal);
		await exited;
	}
}
