/**
 * A production server of its own for a spec: the build that tests/e2e/serve.sh made, served by
 * server.js on a free port with a fresh PGlite folder, optionally prepared by a script first.
 * The access specs need one: first-run set-up needs an empty database, and the sign-in limit
 * they trip counts per client address (all specs share 127.0.0.1).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface OwnServer {
	url: string;
	/** What the prepare script wrote to <dir>/fixture.json. */
	fixture: Record<string, string>;
	stop(): Promise<void>;
}

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const probe = net.createServer();
		probe.once('error', reject);
		probe.listen(0, '127.0.0.1', () => {
			const { port } = probe.address() as net.AddressInfo;
			probe.close(() => resolve(port));
		});
	});
}

export async function startOwnServer(
	prepareScript?: string,
	extraEnv: NodeJS.ProcessEnv = {}
): Promise<OwnServer> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-access-'));
	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	const env: NodeJS.ProcessEnv = {
		...process.env,
		BLINDEVAL_DATA_DIR: path.join(dir, 'data'),
		PORT: String(port),
		HOST: '127.0.0.1',
		ORIGIN: url,
		...extraEnv
	};
	delete env.DATABASE_URL;
	delete env.BODY_SIZE_LIMIT; // server.js's default is what is under test
	if (prepareScript) execFileSync('npx', ['tsx', prepareScript, dir], { env, stdio: 'inherit' });
	const child: ChildProcess = spawn('node', ['server.js'], { env, stdio: 'inherit' });
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	const deadline = Date.now() + 120_000;
	for (;;) {
		if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
		const up = await fetch(url).then(
			(r) => r.ok,
			() => false // not listening yet
		);
		if (up) break;
		if (Date.now() > deadline) throw new Error(`the server at ${url} did not start`);
		await new Promise((r) => setTimeout(r, 500));
	}
	const fixtureFile = path.join(dir, 'fixture.json');
	return {
		url,
		fixture: fs.existsSync(fixtureFile) ? JSON.parse(fs.readFileSync(fixtureFile, 'utf8')) : {},
		async stop() {
			child.kill('SIGTERM');
			await exited;
			fs.rmSync(dir, { recursive: true, force: true });
		}
	};
}
