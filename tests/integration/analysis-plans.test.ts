/**
 * Pre-registered analysis plans on both databases (issue 13): a draft is validated against the
 * round (field errors), saved and locked with its SHA-256 in the audit log; a locked plan never
 * changes again (for every role); unblinding is refused until a plan is locked or the round is
 * opted out; the report puts the confirmatory results first with the plan's hash, or prints
 * "no pre-registered plan".
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, ForbiddenError, ValidationError } from '../../src/lib/errors';
import { roundAnalysis, roundReport } from '../../src/lib/server/round-analysis';
import * as analysisPlans from '../../src/lib/server/analysis-plans';
import * as auditLog from '../../src/lib/server/audit/query';
import { CLI, type CoordinatorActor } from '../../src/lib/server/auth/actors';
import * as users from '../../src/lib/server/auth/users';
import type { Database } from '../../src/lib/server/db';
import * as schema from '../../src/lib/server/db/schema';
import * as rating from '../../src/lib/server/rating';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { TEST_DATABASES } from '../support/databases';
import { copyDemoStudy } from '../support/fixtures';

const BASE = 'llama3-8b-instruct';
const FT = 'llama3-8b-qlora-letters';
const PLAN = `# pre-registered before unblinding
primary:
  better: ${FT}
  than: ${BASE}
  dimension: clinical_benefit
secondary:
  - { better: ${FT}, than: ${BASE}, dimension: diagnosis }
  - { better: ${FT}, than: ${BASE}, dimension: salutation }
correction: holm
alpha: 0.05
agreement: [krippendorff-alpha]
`;

describe.each(TEST_DATABASES)('analysis plans on $name', ({ create }) => {
	let database: Database;
	let studyId: string;
	let coordinator: CoordinatorActor;
	let statistician: CoordinatorActor;

	/** An open round over 2 of the demo's 3 checkpoints with two raters (and their links). */
	async function ratedRound(name: string) {
		const { db } = database;
		const round = await rounds.create(db, CLI, {
			studyId,
			name,
			checkpointNames: [BASE, FT],
			seed: name
		});
		const tokens: string[] = [];
		for (const rater of ['A', 'B'])
			tokens.push((await rounds.addRater(db, CLI, round.id, { name: rater })).token);
		await rounds.transition(db, CLI, round.id, 'open');
		return { round, tokens };
	}

	async function rateAll(roundId: string, tokens: string[]) {
		const { db } = database;
		for (const token of tokens) {
			const rater = (await rating.raterFromToken(db, token))!;
			const mine = (await rating.currentRound(db, rater))!;
			for (const slot of mine.slots)
				for (const [i, d] of mine.form.dimensions.entries())
					await rating.saveScore(db, rater, slot.code, d.key, ((slot.position + i) % 4) + 1);
		}
		await rounds.transition(db, CLI, roundId, 'locked');
	}

	beforeAll(async () => {
		database = await create();
		({ studyId } = await importStudy(database.db, CLI, loadStudy('studies/demo')));
		const made = (email: string, role: 'coordinator' | 'statistician') =>
			users.create(database.db, CLI, {
				email,
				name: email,
				password: 'correct horse battery staple',
				role
			});
		coordinator = await made('coord@clinic.test', 'coordinator');
		statistician = await made('stats@clinic.test', 'statistician');
	});
	afterAll(async () => {
		await database?.close();
	});

	it('refuses a plan naming a checkpoint or dimension the round does not have, by field', async () => {
		const { round } = await ratedRound('Fields');
		const bad = PLAN.replace(`than: ${BASE}`, 'than: tiny-random').replace(
			'dimension: clinical_benefit',
			'dimension: tone'
		);
		const error = await analysisPlans
			.save(database.db, coordinator, round.id, bad, 'plan.yaml')
			.catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ValidationError);
		expect((error as ValidationError).issues).toEqual([
			{
				file: 'plan.yaml',
				line: 4,
				field: 'primary.than',
				message: 'the round has no checkpoint "tiny-random"'
			},
			{
				file: 'plan.yaml',
				line: 5,
				field: 'primary.dimension',
				message: `the round's form has no dimension "tone"`
			}
		]);
		// What stays is the draft copied from the study's analysis-plan.yaml when the round was made.
		const copied = await analysisPlans.get(database.db, coordinator, round.id);
		expect(copied!.status).toBe('draft');
		expect(copied!.plan).toEqual(loadStudy('studies/demo').analysisPlan!.plan);
	});

	it("copies the study's plan into a new round only when it fits the round", async () => {
		const { db } = database;
		const only = await rounds.create(db, CLI, { studyId, name: 'One', checkpointNames: [BASE] });
		expect(await analysisPlans.get(db, coordinator, only.id)).toBeNull();
		const [created] = (await auditLog.list(db, coordinator, { action: 'round.create' }, null, 1))
			.rows;
		expect((created!.after as { analysisPlan: string }).analysisPlan).toMatch(
			/^analysis-plan.yaml not copied: .*field primary.better: the round has no checkpoint/
		);
	});

	it('refuses unblinding without a locked plan, locks with the hash in the audit log, then never changes', async () => {
		const { db } = database;
		// A study without analysis-plan.yaml: the round starts with no plan at all.
		await db
			.update(schema.studies)
			.set({ analysisPlan: null })
			.where(eq(schema.studies.id, studyId));
		const { round } = await ratedRound('Locked');
		await db
			.update(schema.studies)
			.set({ analysisPlan: fs.readFileSync('studies/demo/analysis-plan.yaml', 'utf8') })
			.where(eq(schema.studies.id, studyId));
		expect(await analysisPlans.get(db, coordinator, round.id)).toBeNull();
		await rounds.transition(db, CLI, round.id, 'locked');
		await expect(rounds.transition(db, coordinator, round.id, 'unblinded')).rejects.toThrow(
			/cannot be unblinded before its analysis plan is locked/
		);
		await expect(analysisPlans.lock(db, coordinator, round.id)).rejects.toThrow(/no analysis plan/);
		await analysisPlans.save(db, statistician, round.id, PLAN.replace('0.05', '0.01'));
		const draft = await analysisPlans.save(db, statistician, round.id, PLAN);
		expect(draft.status).toBe('draft');
		// A draft is not enough.
		await expect(rounds.transition(db, coordinator, round.id, 'unblinded')).rejects.toThrow(
			ConflictError
		);
		const locked = await analysisPlans.lock(db, statistician, round.id);
		expect(locked.sha256).toMatch(/^[0-9a-f]{64}$/);
		const [entry] = (
			await auditLog.list(db, coordinator, { action: 'analysis-plan.lock' }, null, 10)
		).rows;
		expect(entry!.after).toEqual({
			status: 'locked',
			sha256: locked.sha256,
			lockedAt: locked.lockedAt!.toISOString()
		});
		// The exported file hashes to the recorded hash.
		const exported = await analysisPlans.exportLocked(db, coordinator, round.id);
		expect(createHash('sha256').update(exported.text).digest('hex')).toBe(locked.sha256);
		// Immutable for every role, and no opt-out any more.
		for (const actor of [CLI, coordinator, statistician]) {
			await expect(analysisPlans.save(db, actor, round.id, PLAN)).rejects.toThrow(/is locked/);
			await expect(analysisPlans.lock(db, actor, round.id)).rejects.toThrow(/is locked/);
		}
		await expect(
			analysisPlans.optOut(db, coordinator, round.id, 'changed my mind')
		).rejects.toThrow(/is locked/);
		expect((await analysisPlans.get(db, coordinator, round.id))!.sha256).toBe(locked.sha256);
		await rounds.transition(db, coordinator, round.id, 'unblinded');
		await expect(analysisPlans.save(db, coordinator, round.id, PLAN)).rejects.toThrow(/is locked/);
	});

	it('lets only coordinators opt out, with a reason, and prints it on the report', async () => {
		const { db } = database;
		const { round, tokens } = await ratedRound('Opted out');
		await rateAll(round.id, tokens);
		await expect(analysisPlans.optOut(db, statistician, round.id, 'pilot')).rejects.toThrow(
			ForbiddenError
		);
		await expect(analysisPlans.optOut(db, coordinator, round.id, '  ')).rejects.toThrow(
			ValidationError
		);
		await analysisPlans.optOut(db, coordinator, round.id, 'pilot round');
		const [entry] = (
			await auditLog.list(db, coordinator, { action: 'analysis-plan.opt-out' }, null, 10)
		).rows;
		expect(entry!.after).toEqual({ status: 'opted-out', reason: 'pilot round' });
		await expect(analysisPlans.save(db, coordinator, round.id, PLAN)).rejects.toThrow(/opted out/);
		await rounds.transition(db, coordinator, round.id, 'unblinded');
		// The study's own hypotheses (as a re-import may set them) name a checkpoint this round
		// does not have: the round still analyses, on the pairs it has.
		const [study] = await db.select().from(schema.studies).where(eq(schema.studies.id, studyId));
		await db
			.update(schema.studies)
			.set({
				analysis: {
					...study!.analysis!,
					hypotheses: [
						{ better: 'tiny-random', than: BASE },
						{ better: FT, than: BASE }
					]
				}
			})
			.where(eq(schema.studies.id, studyId));
		const { analysis } = await roundAnalysis(db, coordinator, round.id);
		expect(analysis.overview.hypotheses).toEqual([{ better: FT, than: BASE }]);
		const report = await roundReport(db, coordinator, round.id);
		expect(report).toContain('No pre-registered plan');
		expect(report).toContain('pilot round');
		expect(report).not.toContain('## Confirmatory');
	});

	it('reports the confirmatory results first, with the hash, equal to the analysis library', async () => {
		const { db } = database;
		const { round, tokens } = await ratedRound('Confirmatory');
		await rateAll(round.id, tokens);
		await analysisPlans.save(db, coordinator, round.id, PLAN);
		const { sha256 } = await analysisPlans.lock(db, coordinator, round.id);
		await rounds.transition(db, coordinator, round.id, 'unblinded');
		const { analysis, confirmatory } = await roundAnalysis(db, coordinator, round.id);
		expect(confirmatory?.kind).toBe('plan');
		if (confirmatory?.kind !== 'plan') throw new Error('expected a plan');
		expect(confirmatory.sha256).toBe(sha256);
		expect(confirmatory.matchesLocked).toBe(true);
		const primary = confirmatory.results[0]!;
		const pair = analysis.paired.find(
			(p) => [p.a, p.b].sort().join() === [BASE, FT].sort().join()
		)!;
		const test = pair.tests.find((t) => t.dimension === 'clinical_benefit')!;
		expect(primary.pValue).toBe(test.pValue);
		expect(test.alternative).toBe(pair.a === FT ? 'greater' : 'less');
		// Whatever the study files say later (a re-import), the locked plan's results stay.
		const [before] = await db.select().from(schema.studies).where(eq(schema.studies.id, studyId));
		await db
			.update(schema.studies)
			.set({
				analysis: {
					...before!.analysis!,
					aggregate: 'median',
					hypotheses: [{ better: BASE, than: FT }]
				}
			})
			.where(eq(schema.studies.id, studyId));
		const again = await roundAnalysis(db, coordinator, round.id);
		expect(again.confirmatory).toEqual(confirmatory);
		expect(again.analysis.overview.aggregate).toBe('mean');
		const report = await roundReport(db, coordinator, round.id);
		const confirmatoryAt = report.indexOf('## Confirmatory analysis (pre-registered)');
		expect(confirmatoryAt).toBeGreaterThan(0);
		expect(report.indexOf('Exploratory')).toBeGreaterThan(confirmatoryAt);
		expect(report).toContain(sha256);
		expect(report).toContain('ran on exactly the locked plan');
	});
});

describe('analysis-plan.yaml in a study folder', () => {
	let work: string;
	beforeAll(() => {
		work = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-plan-'));
	});
	afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

	it("is read with the study and validated against the study's checkpoints and dimensions", () => {
		const demo = loadStudy('studies/demo');
		expect(demo.analysisPlan?.plan.primary).toMatchObject({ better: FT, than: BASE });
		const dir = copyDemoStudy(work, 'bad', {
			mutate: (files) => {
				files['analysis-plan.yaml'] = fs
					.readFileSync('studies/demo/analysis-plan.yaml', 'utf8')
					.replace('dimension: clinical_benefit', 'dimension: tone')
					.replace('alpha: 0.05', 'alpha: 5');
			}
		});
		const error = (() => {
			try {
				loadStudy(dir, { rootDir: work });
			} catch (e) {
				return e;
			}
		})();
		expect(error).toBeInstanceOf(ValidationError);
		const text = fs.readFileSync(path.join(dir, 'analysis-plan.yaml'), 'utf8').split('\n');
		expect(
			// (The tiny model's manifest is not built in this suite: only the plan's issues count.)
			(error as ValidationError).issues
				.filter((i) => i.file!.endsWith('analysis-plan.yaml'))
				.map((i) => [i.file, i.field, text[i.line! - 1]!.trim()])
		).toEqual([['bad/studies/demo/analysis-plan.yaml', 'alpha', 'alpha: 5']]);
		fs.writeFileSync(
			path.join(dir, 'analysis-plan.yaml'),
			text.join('\n').replace('alpha: 5', 'alpha: 0.05')
		);
		expect(() => loadStudy(dir, { rootDir: work })).toThrow(
			/analysis-plan.yaml, line 7: field primary.dimension: the round's form has no dimension "tone"/
		);
	});
});
