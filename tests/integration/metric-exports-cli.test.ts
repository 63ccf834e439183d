/**
 * `export --format metrics|acceptability` on both databases: the CLI writes the same files as the
 * round page, refuses them before unblinding, and lists them among the formats.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../../src/lib/server/auth/actors';
import { roundAcceptabilityCsv, roundMetricsCsv } from '../../src/lib/server/metric-exports';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { TEST_DATABASES, type SharedDatabase } from '../support/databases';
import { runCli } from '../support/gen-study';
import { optOutForTest } from '../support/preregister';

describe.each(TEST_DATABASES)('export --format metrics on $name', ({ createShared }) => {
	let shared: SharedDatabase;
	let work: string;
	let roundId: string;
	const exportAs = (format: string, out: string) =>
		runCli(['export', 'demo', '--round', 'R1', '--format', format, '--out', out], shared.env);

	beforeAll(async () => {
		work = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-metrics-cli-'));
		shared = await createShared();
		const d = await shared.open();
		try {
			const { studyId } = await importStudy(d.db, CLI, loadStudy('studies/demo'));
			const round = await rounds.create(d.db, CLI, {
				studyId,
				name: 'R1',
				checkpointNames: ['llama3-8b-instruct', 'llama3-8b-qlora-letters']
			});
			roundId = round.id;
			await rounds.transition(d.db, CLI, round.id, 'open');
			await rounds.transition(d.db, CLI, round.id, 'locked');
			await optOutForTest(d.db, round.id);
		} finally {
			await d.close();
		}
	});
	afterAll(async () => {
		await shared?.drop();
		fs.rmSync(work, { recursive: true, force: true });
	});

	it('refuses before unblinding, then writes what the round page serves', async () => {
		const file = path.join(work, 'metrics.csv');
		const early = await exportAs('metrics', file);
		expect(early.code).toBe(1);
		expect(early.stderr).toMatch(/unblind it first/);

		const unblind = await runCli(['round', 'demo', '--name', 'R1', '--unblind'], shared.env);
		expect(unblind.code, unblind.stderr).toBe(0);
		const done = await exportAs('metrics', file);
		expect(done.code, done.stderr).toBe(0);
		const accFile = path.join(work, 'acceptability.csv');
		expect((await exportAs('acceptability', accFile)).code).toBe(0);

		const d = await shared.open();
		try {
			expect(fs.readFileSync(file, 'utf8')).toBe(await roundMetricsCsv(d.db, CLI, roundId));
			expect(fs.readFileSync(accFile, 'utf8')).toBe(
				await roundAcceptabilityCsv(d.db, CLI, roundId)
			);
		} finally {
			await d.close();
		}
		// 14 cases × 2 checkpoints × (12 ROUGE + 3 label rows), plus the header.
		expect(fs.readFileSync(file, 'utf8').trimEnd().split('\r\n')).toHaveLength(1 + 28 * 15);

		const bad = await exportAs('nonsense', path.join(work, 'x'));
		expect(bad.code).toBe(2);
		expect(bad.stderr).toContain('metrics, acceptability');
	});
});
