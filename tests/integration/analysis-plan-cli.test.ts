/**
 * The `plan` command on both databases, as a coordinator uses it: a draft from the study's
 * analysis-plan.yaml, unblinding refused until it is locked, and an export whose SHA-256 is the
 * one the lock recorded in the audit log.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../../src/lib/server/auth/actors';
import * as schema from '../../src/lib/server/db/schema';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { TEST_DATABASES, type SharedDatabase } from '../support/databases';
import { runCli } from '../support/gen-study';

describe.each(TEST_DATABASES)('plan command on $name', ({ createShared }) => {
	let shared: SharedDatabase;
	let work: string;
	const plan = (...args: string[]) =>
		runCli(['plan', 'demo', '--round', 'R1', ...args], shared.env);

	beforeAll(async () => {
		work = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-plan-cli-'));
		shared = await createShared();
		const d = await shared.open();
		try {
			const { studyId } = await importStudy(d.db, CLI, loadStudy('studies/demo'));
			const round = await rounds.create(d.db, CLI, {
				studyId,
				name: 'R1',
				checkpointNames: ['llama3-8b-instruct', 'llama3-8b-qlora-letters']
			});
			await rounds.transition(d.db, CLI, round.id, 'open');
			await rounds.transition(d.db, CLI, round.id, 'locked');
		} finally {
			await d.close();
		}
	});
	afterAll(async () => {
		await shared?.drop();
		fs.rmSync(work, { recursive: true, force: true });
	});

	it('saves, shows and locks the plan; unblinding waits for the lock; the export hashes to it', async () => {
		const bad = path.join(work, 'bad.yaml');
		fs.writeFileSync(bad, 'primary:\n  better: gpt\n  than: llama3-8b-instruct\n  dimension: x\n');
		const refused = await plan('--set', bad);
		expect(refused.code).toBe(1);
		expect(refused.stderr).toContain(`${bad}, line 2: field primary.better`);

		expect((await plan('--set', 'studies/demo/analysis-plan.yaml')).code).toBe(0);
		const shown = await plan('--show');
		expect(shown.stdout).toContain(
			'Primary: llama3-8b-qlora-letters > llama3-8b-instruct on clinical_benefit'
		);
		expect(shown.stdout).toContain('Draft: not locked yet.');

		const early = await runCli(['round', 'demo', '--name', 'R1', '--unblind'], shared.env);
		expect(early.code).toBe(1);
		expect(early.stderr).toMatch(/cannot be unblinded before its analysis plan is locked/);

		const locked = await plan('--lock');
		expect(locked.code, locked.stderr).toBe(0);
		const hash = /SHA-256 ([0-9a-f]{64})/.exec(locked.stdout)![1]!;
		const file = path.join(work, 'plan.json');
		expect((await plan('--export', file)).code).toBe(0);
		expect(createHash('sha256').update(fs.readFileSync(file)).digest('hex')).toBe(hash);
		expect(fs.readFileSync(`${file}.sha256`, 'utf8')).toBe(`${hash}  plan.json\n`);
		expect((await plan('--set', 'studies/demo/analysis-plan.yaml')).stderr).toMatch(/is locked/);

		const d = await shared.open();
		try {
			const [entry] = await d.db
				.select()
				.from(schema.auditLog)
				.where(eq(schema.auditLog.action, 'analysis-plan.lock'));
			expect((entry!.after as { sha256: string }).sha256).toBe(hash);
		} finally {
			await d.close();
		}
		const unblinded = await runCli(['round', 'demo', '--name', 'R1', '--unblind'], shared.env);
		expect(unblinded.code, unblinded.stderr).toBe(0);
	});
});
