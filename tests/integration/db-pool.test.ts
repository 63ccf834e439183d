/**
 * The server's PostgreSQL pool gets its connections back by itself when it hangs (db/index.ts
 * RecoveringPool; postgres.js 3.4 can hang after a PostgreSQL restart, porsager/postgres#1193).
 * A hang is made for real: the pool reaches PostgreSQL through a TCP relay that, on command,
 * stops passing bytes on the connections it has (as a connection half-open after a restart or
 * a network fault) while new connections pass. A slow pool whose query runs in the database is
 * left alone. PostgreSQL only: PGlite has no connections.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecoveringPool } from '../../src/lib/server/db';

const adminUrl = process.env.TEST_DATABASE_URL;

/** A relay to PostgreSQL whose existing connections can be frozen. */
class Relay {
	readonly server: net.Server;
	readonly sockets = new Set<net.Socket>();
	frozen = new Set<net.Socket>();

	constructor(target: URL) {
		this.server = net.createServer((inbound) => {
			const outbound = net.connect(Number(target.port || 5432), target.hostname);
			this.sockets.add(inbound);
			const pass = (from: net.Socket, to: net.Socket) =>
				from.on('data', (chunk: Buffer) => {
					if (!this.frozen.has(inbound)) to.write(chunk);
				});
			pass(inbound, outbound);
			pass(outbound, inbound);
			const end = () => {
				this.sockets.delete(inbound);
				inbound.destroy();
				outbound.destroy();
			};
			inbound.on('error', end).on('close', end);
			outbound.on('error', end).on('close', end);
		});
	}

	async listen(): Promise<number> {
		await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
		return (this.server.address() as net.AddressInfo).port;
	}

	/** Every connection open now stops passing bytes; later ones pass. */
	freeze(): void {
		this.frozen = new Set(this.sockets);
	}

	async close(): Promise<void> {
		for (const s of this.sockets) s.destroy();
		await new Promise((r) => this.server.close(r));
	}
}

describe.runIf(adminUrl)('the PostgreSQL pool (a TCP relay in between)', () => {
	let relay: Relay;
	let url: string;

	beforeAll(async () => {
		const target = new URL(adminUrl!);
		relay = new Relay(target);
		const port = await relay.listen();
		const via = new URL(target);
		via.hostname = '127.0.0.1';
		via.port = String(port);
		url = via.toString();
	});
	afterAll(() => relay.close());

	it('replaces a pool whose connections stopped answering, and its waiting query fails so it can be sent again', async () => {
		const pool = new RecoveringPool(url, 200, 1000);
		try {
			expect(await pool.client`select 1 as one`).toEqual([{ one: 1 }]);
			relay.freeze();
			const waiting = pool.client`select 2 as two`;
			await expect(waiting).rejects.toMatchObject({ code: 'CONNECTION_DESTROYED' });
			expect(pool.replaced).toBe(1);
			expect(await pool.client`select 3 as three`).toEqual([{ three: 3 }]);
		} finally {
			await pool.close();
		}
	}, 30_000);

	it('leaves a slow pool alone while its query runs in the database', async () => {
		const pool = new RecoveringPool(url, 200, 500);
		try {
			await pool.client`select 1`;
			// Every connection of the pool busy for 3 s: the probe waits behind them.
			const busy = Array.from({ length: 10 }, () => pool.client`select pg_sleep(3)`);
			await Promise.all(busy);
			expect(pool.replaced).toBe(0);
		} finally {
			await pool.close();
		}
	}, 30_000);
});
