/**
 * A PostgreSQL 15 cluster of the tests' own (initdb under the temp folder, its own port), so a
 * test can restart or crash PostgreSQL without touching the shared server. PostgreSQL refuses
 * to run as root: as root, the cluster belongs to the `postgres` user (from Debian's package).
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BIN = '/usr/lib/postgresql/15/bin';

/** The command line for a PostgreSQL program, run as `postgres` when we are root. */
function command(args: string[]): [string, string[]] {
	const [cmd, ...rest] = args;
	const asRoot = process.getuid?.() === 0;
	return [
		asRoot ? 'runuser' : `${BIN}/${cmd}`,
		asRoot ? ['-u', 'postgres', '--', `${BIN}/${cmd}`, ...rest] : rest
	];
}

function run(args: string[]): void {
	const [file, rest] = command(args);
	execFileSync(file, rest, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * As run(), without blocking: clients keep sending while PostgreSQL is down. Waits for the
 * program's exit, not for its output to close: the server pg_ctl starts would hold that open.
 */
async function runAsync(args: string[]): Promise<void> {
	const [file, rest] = command(args);
	const child = spawn(file, rest, { stdio: 'ignore' });
	const [code] = (await once(child, 'exit')) as [number | null];
	if (code !== 0) throw new Error(`${args[0]} ${args.at(-1)} failed (exit ${code})`);
}

export class PgCluster {
	readonly dir: string;
	readonly url: string;

	private constructor(
		readonly port: number,
		dir: string
	) {
		this.dir = dir;
		this.url = `postgres://postgres@127.0.0.1:${port}/postgres`;
	}

	/** initdb (trust authentication, local only) and start on `port`. */
	static async create(port: number): Promise<PgCluster> {
		if (!fs.existsSync(`${BIN}/initdb`))
			throw new Error(
				`${BIN}/initdb is missing: install Debian's postgresql-15 (tests/env/setup.sh)`
			);
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-pgcluster-'));
		if (process.getuid?.() === 0) execFileSync('chown', ['postgres:postgres', dir]);
		const cluster = new PgCluster(port, dir);
		run(['initdb', '-D', cluster.data, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
		cluster.start();
		return cluster;
	}

	get data(): string {
		return path.join(this.dir, 'data');
	}

	start(): void {
		run(this.#startArgs());
	}

	#startArgs(): string[] {
		return [
			'pg_ctl',
			'-D',
			this.data,
			'-l',
			path.join(this.dir, 'log'),
			'-w',
			'-o',
			`-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=on`,
			'start'
		];
	}

	/**
	 * Restarts PostgreSQL. `immediate` stops it as a crash would (no checkpoint, open
	 * transactions cut off; crash recovery at start), `fast` as `pg_ctlcluster restart` does.
	 */
	async restart(mode: 'immediate' | 'fast' = 'immediate'): Promise<void> {
		await runAsync(['pg_ctl', '-D', this.data, '-m', mode, '-w', 'stop']);
		await runAsync(this.#startArgs());
	}

	destroy(): void {
		try {
			run(['pg_ctl', '-D', this.data, '-m', 'immediate', '-w', 'stop']);
		} finally {
			fs.rmSync(this.dir, { recursive: true, force: true });
		}
	}
}
