/**
 * Scales end to end (issue 17 point 1), on both databases: a study whose form has two 5-point
 * dimensions and a yes/no one imports; three raters score it through the save path (a score off
 * a dimension's scale is refused); after unblinding, the round analysis gives the exact Wilcoxon
 * test and the quadratic-weighted kappa over 5 categories (and over yes/no) that R's wilcox.test
 * and psych::cohen.kappa give on the same data (tests/fixtures/scales-reference.json, made by
 * tests/fixtures/make-scales-reference.sh); the exports hold the scores as given and the codebook
 * each dimension's range and value labels; as a power pilot each dimension's distributions follow
 * its scale. The same form runs a pairwise round: choices, not scores, whatever the scales.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/lib/errors';
import { CLI, type RaterActor } from '../../src/lib/server/auth/actors';
import type { Database } from '../../src/lib/server/db';
import { itemCaseCheckpoint } from '../../src/lib/server/db/joins';
import { assignments, cases, checkpoints, items, studies } from '../../src/lib/server/db/schema';
import { exportStream, type ExportFormat } from '../../src/lib/server/exports';
import { planPower } from '../../src/lib/server/power-planner';
import * as rating from '../../src/lib/server/rating';
import { pairwiseAnalysis, roundAnalysis } from '../../src/lib/server/round-analysis';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { TEST_DATABASES } from '../support/databases';
import { optOutForTest } from '../support/preregister';
import { expectClose } from '../support/stats-reference';

interface WilcoxonCase {
	name: string;
	x: number[];
	y: number[];
	alternative: string;
	correction: boolean;
	method: string;
	statistic: number | string;
	pValue: number | string;
}
interface KappaCase {
	name: string;
	a: number[];
	b: number[];
	quadratic: number | string;
}
const reference = JSON.parse(
	fs.readFileSync(path.resolve('tests/fixtures/scales-reference.json'), 'utf8')
) as { wilcoxon: WilcoxonCase[]; kappa: KappaCase[] };
const EXACT = reference.wilcoxon.find(
	(w) => w.name.startsWith('5-point, mean of three raters') && w.alternative === 'two-sided'
)!;
const KAPPA_FIVE = reference.kappa.find((k) => k.name === '5-point')!;
const KAPPA_YES = reference.kappa.find((k) => k.name === 'yes/no (0/1)')!;

const CHECKPOINTS = ['base', 'ft'] as const;
const CASES = KAPPA_FIVE.a.length / 2;

const STUDY = `name: Scales flow
seed: 7
cases: cases.jsonl
checkpoints:
  - name: base
    outputs: base.jsonl
  - name: ft
    outputs: ft.jsonl
form:
  dimensions:
    - key: completeness
      label: Completeness
      scale: 5
      anchors: [Unusable, Major gaps, Some gaps, Minor gaps, Complete]
    - key: accuracy
      label: Accuracy
      scale: 5
      anchors: [Wrong, Mostly wrong, Mixed, Mostly right, Right]
    - key: fabrication
      label: Fabricated content
      scale: yes-no
`;

const caseId = (c: number) => `c${String(c).padStart(2, '0')}`;

/**
 * Three whole scores on 1–5 whose mean is `mean` (the fixture's per-case means of three raters):
 * the sum split as evenly as possible, so the per-case mean the analysis takes is the fixture's.
 */
function threeScores(mean: number): number[] {
	const sum = Math.round(mean * 3);
	const low = Math.floor(sum / 3);
	return [0, 1, 2].map((r) => low + (r < sum - low * 3 ? 1 : 0));
}

/**
 * Every score each rater gives, keyed `case/checkpoint`:
 * - completeness: the exact Wilcoxon fixture, cases c00–c09 (x = base, y = ft), three raters;
 * - accuracy: raters 1 and 2 are the 5-point kappa fixture (rating t on case ⌊t/2⌋, checkpoint
 *   t mod 2), all cases;
 * - fabrication (yes/no): raters 1 and 2 are the yes/no kappa fixture, the same way.
 */
function plan(): Map<string, Record<string, number>>[] {
	const raters = [0, 1, 2].map(() => new Map<string, Record<string, number>>());
	const give = (r: number, key: string, dimension: string, score: number) =>
		raters[r]!.set(key, { ...raters[r]!.get(key), [dimension]: score });
	EXACT.x.forEach((_, c) => {
		CHECKPOINTS.forEach((cp, k) => {
			const scores = threeScores((k === 0 ? EXACT.x : EXACT.y)[c]!);
			scores.forEach((s, r) => give(r, `${caseId(c)}/${cp}`, 'completeness', s));
		});
	});
	const byItem = (fixture: KappaCase, dimension: string) =>
		[fixture.a, fixture.b].forEach((scores, r) =>
			scores.forEach((s, t) =>
				give(r, `${caseId(Math.floor(t / 2))}/${CHECKPOINTS[t % 2]}`, dimension, s)
			)
		);
	byItem(KAPPA_FIVE, 'accuracy');
	byItem(KAPPA_YES, 'fabrication');
	return raters;
}

async function text(
	database: Database,
	roundId: string,
	format: ExportFormat
): Promise<{ csv: string; lines: string[][] }> {
	const { chunks } = await exportStream(database.db, CLI, roundId, format);
	let csv = '';
	for await (const c of chunks) csv += c;
	return {
		csv,
		lines: csv
			.trimEnd()
			.split(/\r?\n/)
			.map((l) => l.split(','))
	};
}

describe.each(TEST_DATABASES)('a study on 5-point and yes/no scales on $name', ({ create }) => {
	let database: Database;
	let root: string;
	let studyId: string;

	beforeAll(async () => {
		database = await create();
		root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-scales-flow-')));
		const ids = Array.from({ length: CASES }, (_, c) => caseId(c));
		fs.writeFileSync(
			path.join(root, 'cases.jsonl'),
			ids.map((id) => JSON.stringify({ id, source: { dx: `Case ${id}` } })).join('\n') + '\n'
		);
		for (const cp of CHECKPOINTS)
			fs.writeFileSync(
				path.join(root, `${cp}.jsonl`),
				ids.map((id) => JSON.stringify({ case_id: id, text: `Letter ${cp} ${id}` })).join('\n') +
					'\n'
			);
		fs.writeFileSync(path.join(root, 'study.yaml'), STUDY);
		studyId = (await importStudy(database.db, CLI, loadStudy(root))).studyId;
	});
	afterAll(async () => {
		await database?.close();
		if (root) fs.rmSync(root, { recursive: true, force: true });
	});

	/** A round with three raters, opened: their actors and, per rater, item code by case/checkpoint. */
	async function openRound(name: string, kind: 'absolute' | 'pairwise') {
		const round = await rounds.create(database.db, CLI, {
			studyId,
			name,
			design: { kind, type: 'fully-crossed', ratersPerItem: null, repeatShare: 0 }
		});
		const added = [];
		for (const n of [1, 2, 3])
			added.push(await rounds.addRater(database.db, CLI, round.id, { name: `Rater ${n}` }));
		await rounds.transition(database.db, CLI, round.id, 'open');
		const actors: RaterActor[] = [];
		const codes: Map<string, string>[] = [];
		for (const a of added) {
			actors.push((await rating.raterFromToken(database.db, a.token))!);
			const rows = await itemCaseCheckpoint(
				database.db
					.select({ code: items.code, caseId: cases.externalId, checkpoint: checkpoints.name })
					.from(items)
					.innerJoin(assignments, eq(assignments.itemId, items.id))
					.$dynamic()
			).where(and(eq(items.roundId, round.id), eq(assignments.raterId, a.raterId)));
			codes.push(new Map(rows.map((r) => [`${r.caseId}/${r.checkpoint}`, r.code])));
		}
		return { round, actors, codes };
	}

	it('rates, analyses as R does, and exports each dimension on its own scale', async () => {
		const { round, actors, codes } = await openRound('Absolute', 'absolute');
		const given = plan();
		for (const [r, scores] of given.entries())
			for (const [key, dims] of scores)
				for (const [dimension, score] of Object.entries(dims))
					await rating.saveScore(database.db, actors[r]!, codes[r]!.get(key)!, dimension, score);
		// Off the scale: 6 on 5 points, 2 on yes/no.
		const code = codes[2]!.get('c15/base')!;
		for (const [dimension, score] of [
			['accuracy', 6],
			['fabrication', 2]
		] as const)
			await expect(
				rating.saveScore(database.db, actors[2]!, code, dimension, score)
			).rejects.toThrow(ValidationError);

		await rounds.transition(database.db, CLI, round.id, 'locked');
		await optOutForTest(database.db, round.id);
		await rounds.transition(database.db, CLI, round.id, 'unblinded');
		const { analysis } = await roundAnalysis(database.db, CLI, round.id);

		expect(analysis.overview.scales).toEqual({
			completeness: [1, 2, 3, 4, 5],
			accuracy: [1, 2, 3, 4, 5],
			fabrication: [0, 1]
		});
		const test = analysis.paired[0]!.tests.find((t) => t.dimension === 'completeness')!;
		expect(analysis.paired[0]!.a).toBe('base');
		expect(EXACT.method).toBe('exact');
		expect(test.method).toBe('exact');
		expect(test.n).toBe(EXACT.x.length);
		expectClose(test.statistic!, EXACT.statistic, 'Wilcoxon V');
		expectClose(test.pValue!, EXACT.pValue, 'exact Wilcoxon p');
		const kappaOf = (dimension: string) => {
			const pairs = analysis.agreement.find((a) => a.dimension === dimension)!.kappa.pairs;
			return pairs.find((p) => [p.raterA, p.raterB].sort().join() === 'R01,R02')!.kappa!;
		};
		expectClose(kappaOf('accuracy'), KAPPA_FIVE.quadratic, 'quadratic kappa over 5 categories');
		expectClose(kappaOf('fabrication'), KAPPA_YES.quadratic, 'kappa on yes/no');
		for (const cell of analysis.descriptives)
			expect(cell.counts).toHaveLength(cell.dimension === 'fabrication' ? 2 : 5);

		const long = await text(database, round.id, 'long');
		const header = long.lines[0]!;
		const at = (name: string) => header.indexOf(name);
		const stored = long.lines
			.slice(1)
			.map(
				(l) =>
					`${l[at('rater')]} ${l[at('case_id')]}/${l[at('checkpoint')]} ${l[at('dimension')]} ${l[at('score')]}`
			)
			.sort();
		const expected = given
			.flatMap((scores, r) =>
				[...scores].flatMap(([key, dims]) =>
					Object.entries(dims).map(([d, s]) => `R0${r + 1} ${key} ${d} ${s}`)
				)
			)
			.sort();
		expect(stored).toEqual(expected);
		const wide = await text(database, round.id, 'wide');
		expect(wide.lines[0]).toEqual(
			expect.arrayContaining(['completeness', 'accuracy', 'fabrication'])
		);
		const codebook = (await text(database, round.id, 'codebook')).csv;
		expect(codebook).toContain('fabrication,integer 0-1,');
		expect(codebook).toContain('fabrication,value 0,No\r\nfabrication,value 1,Yes\r\n');
		expect(codebook).toContain('accuracy,value 5,Right\r\n');

		// As a power pilot, each dimension's distributions have one share per score of its scale.
		const [study] = await database.db
			.select({ slug: studies.slug })
			.from(studies)
			.where(eq(studies.id, studyId));
		for (const [dimension, scale] of [
			['completeness', [1, 2, 3, 4, 5]],
			['fabrication', [0, 1]]
		] as const) {
			const report = await planPower(database.db, CLI, study!.slug, {
				pilot: 'Absolute',
				dimension,
				better: 'ft',
				than: 'base',
				reps: '100',
				cases: '10',
				raterOptions: '3'
			});
			for (const shares of [report.pilot!.than, report.pilot!.better]) {
				expect(shares).toHaveLength(scale.length);
				expect(shares!.reduce((a, b) => a + b, 0)).toBeCloseTo(1);
			}
		}
	});

	it('runs a pairwise round on the same form: choices on every dimension, no scores', async () => {
		const { round, actors, codes } = await openRound('Pairwise', 'pairwise');
		const [first] = codes[0]!.values();
		const seen = await rating.item(database.db, actors[0]!, first!);
		expect(seen.kind).toBe('pairwise');
		for (const dimension of ['completeness', 'accuracy', 'fabrication'])
			expect(
				await rating.savePreference(database.db, actors[0]!, first!, dimension, 'left')
			).toEqual({ changed: true });
		await expect(
			rating.saveScore(database.db, actors[0]!, first!, 'fabrication', 1)
		).rejects.toThrow(ValidationError);
		await rounds.transition(database.db, CLI, round.id, 'locked');
		await optOutForTest(database.db, round.id);
		await rounds.transition(database.db, CLI, round.id, 'unblinded');
		const { analysis } = await pairwiseAnalysis(database.db, CLI, round.id);
		// One choice per dimension, a win for one side whatever the dimension's scale.
		expect(analysis.dimensions).toEqual(['completeness', 'accuracy', 'fabrication']);
		expect(analysis.pairs.map((p) => [p.dimension, p.wins + p.losses, p.ties])).toEqual([
			['completeness', 1, 0],
			['accuracy', 1, 0],
			['fabrication', 1, 0]
		]);
	});
});
