/**
 * The outcomes a pre-registered plan can name beyond one form dimension, on both databases
 * (issue 13): a composite (the mean of several dimensions per rater and letter) as the primary
 * comparison of a scored round, and the sign-test comparisons of a pairwise round. Each is
 * validated against its round by field, locked, and reported first with the plan's hash; the
 * confirmatory figures equal what the analysis library computes from the exported rows, and a
 * re-import of the study after locking changes neither the plan nor its results.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compositeCaseScores, pairedScores } from '../../src/lib/analysis/composite';
import { signTestGreater } from '../../src/lib/analysis/pairwise';
import { wilcoxonSignedRank } from '../../src/lib/analysis/wilcoxon';
import { ValidationError } from '../../src/lib/errors';
import * as analysisPlans from '../../src/lib/server/analysis-plans';
import { planPower } from '../../src/lib/server/power-planner';
import { CLI } from '../../src/lib/server/auth/actors';
import type { Database } from '../../src/lib/server/db';
import { longRows } from '../../src/lib/server/exports';
import * as rating from '../../src/lib/server/rating';
import { pairwiseAnalysis, roundAnalysis, roundReport } from '../../src/lib/server/round-analysis';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { TEST_DATABASES } from '../support/databases';

const BASE = 'llama3-8b-instruct';
const FT = 'llama3-8b-qlora-letters';
const COMPOSITE_PLAN = `composites:
  - name: overall
    mean: [clinical_benefit, diagnosis, recommendations]
primary: { better: ${FT}, than: ${BASE}, dimension: overall }
secondary:
  - { better: ${FT}, than: ${BASE}, dimension: clinical_benefit }
`;
const PAIRWISE_PLAN = `primary: { better: ${FT}, than: ${BASE}, dimension: clinical_benefit }
secondary:
  - { better: ${FT}, than: ${BASE}, dimension: diagnosis, alternative: two-sided }
`;

describe.each(TEST_DATABASES)('planned outcomes on $name', ({ create }) => {
	let database: Database;
	let studyId: string;

	beforeAll(async () => {
		database = await create();
		({ studyId } = await importStudy(database.db, CLI, loadStudy('studies/demo')));
	});
	afterAll(async () => {
		await database?.close();
	});

	it('tests a composite primary outcome as the library does on the exported rows', async () => {
		const { db } = database;
		const round = await rounds.create(db, CLI, {
			studyId,
			name: 'Composite',
			checkpointNames: [BASE, FT],
			seed: 'composite'
		});
		const tokens: string[] = [];
		for (const name of ['A', 'B', 'C'])
			tokens.push((await rounds.addRater(db, CLI, round.id, { name })).token);
		await rounds.transition(db, CLI, round.id, 'open');
		// A composite naming a dimension the form lacks is refused by field and line.
		const bad = await analysisPlans
			.save(db, CLI, round.id, COMPOSITE_PLAN.replace('recommendations]', 'tone]'), 'plan.yaml')
			.catch((e: unknown) => e);
		expect(bad).toBeInstanceOf(ValidationError);
		expect((bad as ValidationError).issues).toEqual([
			{
				file: 'plan.yaml',
				line: 3,
				field: 'composites.0.mean.2',
				message: `the round's form has no dimension "tone"`
			}
		]);
		await analysisPlans.save(db, CLI, round.id, COMPOSITE_PLAN);
		const { sha256 } = await analysisPlans.lock(db, CLI, round.id);
		for (const [r, token] of tokens.entries()) {
			const rater = (await rating.raterFromToken(db, token))!;
			const mine = (await rating.currentRound(db, rater))!;
			for (const slot of mine.slots)
				for (const [i, d] of mine.form.dimensions.entries())
					await rating.saveScore(
						db,
						rater,
						slot.code,
						d.key,
						((slot.position * 3 + i + r) % 4) + 1
					);
		}
		await rounds.transition(db, CLI, round.id, 'locked');
		await rounds.transition(db, CLI, round.id, 'unblinded');

		const { confirmatory } = await roundAnalysis(db, CLI, round.id);
		if (confirmatory.kind !== 'plan') throw new Error('expected the locked plan');
		const rows = await longRows(db, CLI, round.id);
		const scores = compositeCaseScores(
			{ name: 'overall', mean: ['clinical_benefit', 'diagnosis', 'recommendations'] },
			rows.map((r) => ({
				rater: r.rater,
				caseId: r.case_id,
				itemCode: r.item_code,
				repeatOf: r.repeat_of,
				checkpoint: r.checkpoint!,
				dimension: r.dimension,
				score: r.score
			})),
			'mean'
		);
		const { x, y } = pairedScores(scores, FT, BASE);
		expect(x).toHaveLength(14);
		const expected = wilcoxonSignedRank(x, y, { alternative: 'greater' });
		const [primary] = confirmatory.results;
		expect(primary).toMatchObject({
			role: 'primary',
			n: 14,
			statistic: expected.statistic,
			pValue: expected.pValue
		});
		const report = await roundReport(db, CLI, round.id);
		expect(report).toContain(sha256);
		expect(report).toContain(
			'Composite overall: the mean of clinical_benefit, diagnosis, recommendations'
		);
		expect(report).toContain(`| primary | ${FT} > ${BASE} | overall | 14 |`);

		// The power planner reads a single dimension from a pilot, never the composite.
		const pilot = await planPower(db, CLI, 'demo', {
			round: 'Composite',
			pilot: 'Composite'
		}).catch((e: unknown) => e);
		expect((pilot as ValidationError).issues).toEqual([
			{ field: 'dimension', message: expect.stringContaining('has no dimension "overall"') }
		]);

		// A real re-import of the study with another analysis-plan.yaml and other analysis
		// settings leaves the locked plan and its confirmatory results as they were.
		const root = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-reimport-'));
		const dir = path.join(root, 'studies', 'demo');
		fs.cpSync('studies/demo', dir, { recursive: true });
		fs.symlinkSync(path.resolve('models'), path.join(root, 'models'));
		fs.writeFileSync(
			path.join(dir, 'analysis-plan.yaml'),
			`primary: { better: ${BASE}, than: ${FT}, dimension: diagnosis }\nalpha: 0.01\n`
		);
		const yaml = path.join(dir, 'study.yaml');
		fs.writeFileSync(
			yaml,
			fs.readFileSync(yaml, 'utf8').replace('aggregate: mean', 'aggregate: median')
		);
		const reimported = await importStudy(db, CLI, loadStudy(dir, { rootDir: root }));
		expect(reimported.studyId).toBe(studyId);
		expect((await analysisPlans.get(db, CLI, round.id))!.sha256).toBe(sha256);
		expect((await roundAnalysis(db, CLI, round.id)).confirmatory).toEqual(confirmatory);
		fs.rmSync(root, { recursive: true, force: true });
	});

	it('tests a pairwise round’s planned preferences with the sign test', async () => {
		const { db } = database;
		const round = await rounds.create(db, CLI, {
			studyId,
			name: 'Pairwise plan',
			checkpointNames: [BASE, FT],
			seed: 'pairs',
			design: { kind: 'pairwise', type: 'fully-crossed', ratersPerItem: null, repeatShare: 0 }
		});
		// The study's analysis-plan.yaml as re-imported by the test above names no test: it fits a
		// pairwise round, whose comparisons are sign tests.
		const copied = await analysisPlans.get(db, CLI, round.id);
		expect(copied!.plan!.primary).toMatchObject({ better: BASE, test: 'sign-test' });
		// Scores-only parts of a plan are refused by field.
		const wrong = await analysisPlans
			.save(
				db,
				CLI,
				round.id,
				`${COMPOSITE_PLAN}`.replace(
					'dimension: overall }',
					'dimension: overall, test: wilcoxon-signed-rank }'
				)
			)
			.catch((e: unknown) => e);
		expect((wrong as ValidationError).issues.map((i) => i.field)).toEqual([
			'composites.0',
			'primary.test'
		]);
		await analysisPlans.save(db, CLI, round.id, PAIRWISE_PLAN);
		const { sha256 } = await analysisPlans.lock(db, CLI, round.id);
		const tokens: string[] = [];
		for (const name of ['A', 'B'])
			tokens.push((await rounds.addRater(db, CLI, round.id, { name })).token);
		await rounds.transition(db, CLI, round.id, 'open');
		// Rater A prefers the right letter, rater B the left one on even positions, else a tie.
		for (const [r, token] of tokens.entries()) {
			const rater = (await rating.raterFromToken(db, token))!;
			for (const s of (await rating.currentRound(db, rater))!.slots)
				for (const d of ['clinical_benefit', 'diagnosis'])
					await rating.savePreference(
						db,
						rater,
						s.code,
						d,
						r === 0 ? 'right' : s.position % 2 ? 'tie' : 'left'
					);
		}
		await rounds.transition(db, CLI, round.id, 'locked');
		await rounds.transition(db, CLI, round.id, 'unblinded');
		const { analysis, confirmatory } = await pairwiseAnalysis(db, CLI, round.id);
		if (confirmatory.kind !== 'plan') throw new Error('expected the locked plan');
		const cell = analysis.pairs.find((c) => c.dimension === 'clinical_benefit')!;
		const [wins, losses] = cell.a === FT ? [cell.wins, cell.losses] : [cell.losses, cell.wins];
		const [primary, secondary] = confirmatory.results;
		expect(primary!.preference).toMatchObject({ wins, ties: cell.ties, losses });
		expect(wins + losses + cell.ties).toBe(28);
		expect(primary!.pValue).toBe(signTestGreater(wins, losses));
		expect(secondary!.comparison.alternative).toBe('two-sided');
		expect(secondary!.pValue).toBe(analysis.pairs.find((c) => c.dimension === 'diagnosis')!.pValue);
		await expect(planPower(db, CLI, 'demo', { round: 'Pairwise plan' })).rejects.toThrow(
			ValidationError
		);
		const report = await roundReport(db, CLI, round.id);
		const at = report.indexOf('## Confirmatory analysis (pre-registered)');
		expect(at).toBeGreaterThan(0);
		expect(report.indexOf('# Exploratory analysis')).toBeGreaterThan(at);
		expect(report).toContain(sha256);
		expect(report).toContain(
			`| primary | ${FT} > ${BASE} | clinical_benefit | ${wins} | ${cell.ties} | ${losses} |`
		);
	});
});
