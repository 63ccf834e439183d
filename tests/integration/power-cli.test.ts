/**
 * The `power` command on both databases (issue 13): the test taken from a round's plan, the
 * distributions from an unblinded pilot round's ratings, the same estimates as the pure planner
 * for the same model and seed, and input errors by field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finish, ordinalSampler, powerCurve } from '../../src/lib/analysis/power';
import * as analysisPlans from '../../src/lib/server/analysis-plans';
import { longRows } from '../../src/lib/server/exports';
import { CLI } from '../../src/lib/server/auth/actors';
import { planPower, type PowerReport } from '../../src/lib/server/power-planner';
import { ConflictError } from '../../src/lib/errors';
import * as rating from '../../src/lib/server/rating';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { TEST_DATABASES, type SharedDatabase } from '../support/databases';
import { runCli } from '../support/gen-study';

const CHECKPOINTS = ['llama3-8b-instruct', 'llama3-8b-qlora-letters'];

describe.each(TEST_DATABASES)('power command on $name', ({ createShared }) => {
	let shared: SharedDatabase;
	/** Pilot scores of clinical_benefit the raters entered, per checkpoint. */
	const entered = new Map<string, number[]>(CHECKPOINTS.map((c) => [c, []]));
	const power = (...args: string[]) => runCli(['power', 'demo', ...args], shared.env);

	beforeAll(async () => {
		shared = await createShared();
		const d = await shared.open();
		try {
			const { studyId } = await importStudy(d.db, CLI, loadStudy('studies/demo'));
			// 'Planned': a draft round whose plan (the demo's analysis-plan.yaml) names the test.
			await rounds.create(d.db, CLI, { studyId, name: 'Planned', checkpointNames: CHECKPOINTS });
			const pilot = await rounds.create(d.db, CLI, {
				studyId,
				name: 'Pilot',
				checkpointNames: CHECKPOINTS,
				seed: 'pilot'
			});
			const links = [];
			for (const name of ['Dr P1', 'Dr P2'])
				links.push(await rounds.addRater(d.db, CLI, pilot.id, { name }));
			await rounds.transition(d.db, CLI, pilot.id, 'open');
			for (const [r, link] of links.entries()) {
				const rater = (await rating.raterFromToken(d.db, link.token))!;
				for (const [i, slot] of (await rating.currentRound(d.db, rater))!.slots.entries()) {
					const score = ((i * 7 + r * 3) % 4) + 1;
					await rating.saveScore(d.db, rater, slot.code, 'clinical_benefit', score);
				}
			}
			await rounds.transition(d.db, CLI, pilot.id, 'locked');
			await analysisPlans.optOut(d.db, CLI, pilot.id, 'pilot round');
			await rounds.transition(d.db, CLI, pilot.id, 'unblinded');
			// What each checkpoint got, read back the way an export does.
			for (const row of await longRows(d.db, CLI, pilot.id))
				if (row.dimension === 'clinical_benefit')
					entered.get(String(row.checkpoint))!.push(Number(row.score));
		} finally {
			await d.close();
		}
	});
	afterAll(async () => {
		await shared?.drop();
	});

	it('takes the test from the plan and the distributions from the pilot, as the pure planner computes', async () => {
		const run = await power(
			...['--round', 'Planned', '--pilot', 'Pilot', '--format', 'json'],
			...['--reps', '200', '--cases', '8,16', '--rater-options', '2', '--max-cases', '60']
		);
		expect(run.code, run.stderr).toBe(0);
		const report = JSON.parse(run.stdout) as PowerReport;
		expect(report).toMatchObject({
			better: 'llama3-8b-qlora-letters',
			than: 'llama3-8b-instruct',
			dimension: 'clinical_benefit',
			test: { alpha: 0.05, alternative: 'greater', aggregate: 'mean' },
			design: { type: 'fully-crossed', raters: 3 },
			reps: 200
		});
		expect(report.sources.join('; ')).toMatch(/draft plan of round "Planned".*pilot round "Pilot"/);
		const share = (scores: number[]) =>
			[1, 2, 3, 4].map((v) => scores.filter((s) => s === v).length / scores.length);
		expect(report.model.than).toEqual(share(entered.get('llama3-8b-instruct')!));
		expect(report.model.better).toEqual(share(entered.get('llama3-8b-qlora-letters')!));
		expect(report.pilot).toMatchObject({ raters: 2, cases: 14, ratings: 56 });

		const pure = finish(
			powerCurve(
				ordinalSampler(report.model, report.design, 'mean'),
				[8, 16],
				report.test,
				200,
				report.seed
			)
		);
		expect(report.curve.map(({ cases, power, se }) => ({ cases, power, se }))).toEqual(
			pure.map(({ cases, power, se }) => ({ cases, power, se }))
		);
		expect(report.curve.map((p) => p.lettersPerRater)).toEqual([16, 32]);
		expect(report.required).toHaveLength(1);
		expect(report.required[0]!.results.map((r) => r.target)).toEqual([0.8, 0.9]);

		const text = await power('--reps', '200', '--cases', '10,20', '--rater-options', '1');
		expect(text.code, text.stderr).toBe(0);
		expect(text.stdout).toMatch(/Cases\s+Power\s+MC SE/);
		expect(text.stdout).toMatch(/^\s+20\s+\d+\.\d%\s+0\.\d{3}\s+40$/m);
	});

	it('runs one simulation at a time in a process and refuses a second meanwhile', async () => {
		const d = await shared.open();
		try {
			// The search alone runs for many steps (each yields), far longer than the queries
			// the second request makes before it reaches the check.
			const input = { reps: '1000', cases: '20,40', raterOptions: '1' };
			const both = await Promise.allSettled([
				planPower(d.db, CLI, 'demo', input),
				planPower(d.db, CLI, 'demo', input)
			]);
			const done = both.filter((r) => r.status === 'fulfilled');
			const refused = both.filter((r) => r.status === 'rejected');
			expect(done).toHaveLength(1);
			expect(refused).toHaveLength(1);
			expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
			// Once it is done, the next one runs, and gives the same numbers.
			const again = await planPower(d.db, CLI, 'demo', input);
			expect(again.curve).toEqual((done[0] as PromiseFulfilledResult<PowerReport>).value.curve);
		} finally {
			await d.close();
		}
	});

	it('names the field of a bad input and refuses work beyond its budget', async () => {
		const bad = await power('--than-distribution', '0.5,0.5,0.5,0.5');
		expect(bad.code).toBe(1);
		expect(bad.stderr).toContain('field thanDistribution: the shares add up to 2.000, not 1');
		const pilot = await power('--pilot', 'Planned', '--dimension', 'diagnosis');
		expect(pilot.stderr).toContain('field pilot: round "Planned" must be an unblinded round');
		const big = await power(
			...['--reps', '5000', '--cases', '1000', '--raters', '10', '--rater-options', '10']
		);
		expect(big.code).toBe(1);
		expect(big.stderr).toContain('field reps: the simulation needs more work than one run may do');
	});
});
