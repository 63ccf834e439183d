/**
 * Scales in a study folder (issue 17 point 1): a form with a 5-point, a yes/no and the two harm
 * dimensions beside a default 4-point one imports on both databases and is stored as parsed; a
 * form with a wrong scale is refused with study.yaml's real line and the field, writing nothing;
 * a rater scores each dimension on its own scale, and a score off it is refused naming the field.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/lib/errors';
import { CLI } from '../../src/lib/server/auth/actors';
import type { Database } from '../../src/lib/server/db';
import { assignments, items, ratings, studies } from '../../src/lib/server/db/schema';
import * as rating from '../../src/lib/server/rating';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { TEST_DATABASES } from '../support/databases';

const HEAD = `name: Scales study
seed: 1
cases: cases.jsonl
checkpoints:
  - name: base
    outputs: outputs.jsonl
form:
  dimensions:
`;
const GOOD = `${HEAD}    - key: overall
      label: Overall
      anchors: [bad, poor, good, excellent]
    - key: completeness
      label: Completeness
      scale: 5
      anchors: [Unusable, Major gaps, Some gaps, Minor gaps, Complete]
    - key: fabrication
      label: Fabricated content
      scale: yes-no
    - key: harm_extent
      label: Potential harm
      scale: harm-extent
    - key: harm_likelihood
      label: Likelihood of harm
      scale: harm-likelihood
      anchors: [Unlikely, Possible, Likely]
`;
// Lines 11, 14 and 18 hold the anchors and the scales at fault.
const BAD = `${HEAD}    - key: overall
      label: Overall
      anchors: [a, b, c, d, e]
    - key: completeness
      label: Completeness
      scale: 8
      anchors: [a, b, c, d, e, f, g, h]
    - key: harm
      label: Harm
      scale: harm-severity
`;

describe.each(TEST_DATABASES)('scales in a study folder on $name', ({ create }) => {
	let database: Database;
	let root: string;

	beforeAll(async () => {
		database = await create();
		root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-scales-')));
	});
	afterAll(async () => {
		await database?.close();
		if (root) fs.rmSync(root, { recursive: true, force: true });
	});

	function writeStudy(name: string, yaml: string): string {
		const dir = path.join(root, name);
		fs.mkdirSync(dir);
		fs.writeFileSync(path.join(dir, 'cases.jsonl'), '{"id":"P1","source":{"dx":"Prostate"}}\n');
		fs.writeFileSync(path.join(dir, 'outputs.jsonl'), '{"case_id":"P1","text":"Dear Dr. A"}\n');
		fs.writeFileSync(path.join(dir, 'study.yaml'), yaml);
		return dir;
	}

	it('imports a form with 5-point, yes/no and harm dimensions and stores it as parsed', async () => {
		const def = loadStudy(writeStudy('good', GOOD));
		const summary = await importStudy(database.db, CLI, def);
		const [row] = await database.db
			.select({ form: studies.form })
			.from(studies)
			.where(eq(studies.id, summary.studyId));
		expect(row!.form).toEqual(def.study.form);
		expect(row!.form.dimensions.map((d) => [d.key, d.scale ?? null, d.anchors])).toEqual([
			['overall', null, ['bad', 'poor', 'good', 'excellent']],
			['completeness', 5, ['Unusable', 'Major gaps', 'Some gaps', 'Minor gaps', 'Complete']],
			['fabrication', 'yes-no', ['No', 'Yes']],
			['harm_extent', 'harm-extent', ['None', 'Mild or moderate', 'Severe or death']],
			['harm_likelihood', 'harm-likelihood', ['Unlikely', 'Possible', 'Likely']]
		]);
		// The default dimension is stored without a scale key, as every form before scales.
		expect(Object.keys(row!.form.dimensions[0]!).sort()).toEqual([
			'anchors',
			'key',
			'label',
			'question'
		]);
	});

	it('rates each dimension on its own scale; a score off it is a 400 naming the field and its scores', async () => {
		const summary = await importStudy(database.db, CLI, loadStudy(writeStudy('round', GOOD)));
		const round = await rounds.create(database.db, CLI, { studyId: summary.studyId, name: 'R' });
		const added = await rounds.addRater(database.db, CLI, round.id, { name: 'Scales rater' });
		await rounds.transition(database.db, CLI, round.id, 'open');
		const actor = (await rating.raterFromToken(database.db, added.token))!;
		const [item] = await database.db
			.select({ code: items.code })
			.from(items)
			.where(eq(items.roundId, round.id));
		const save = (dimension: string, score: unknown) =>
			rating.saveScore(database.db, actor, item!.code, dimension, score);
		for (const [dimension, score] of [
			['overall', 4],
			['completeness', 5],
			['fabrication', 0],
			['harm_extent', 3],
			['harm_likelihood', 1]
		] as const)
			expect(await save(dimension, score)).toEqual({ changed: true });
		const refusals: [string, unknown, string][] = [
			['overall', 5, 'must be 1, 2, 3 or 4'],
			['overall', 0, 'must be 1, 2, 3 or 4'],
			['completeness', 6, 'must be 1, 2, 3, 4 or 5'],
			['fabrication', 2, 'must be 0 (No) or 1 (Yes)'],
			['harm_extent', 0, 'must be 1 (None), 2 (Mild or moderate) or 3 (Severe or death)'],
			['harm_likelihood', 4, 'must be 1 (Low), 2 (Medium) or 3 (High)'],
			['completeness', 2.5, "must be a whole number on the dimension's scale"],
			['completeness', 8, "must be a whole number on the dimension's scale"]
		];
		for (const [dimension, score, message] of refusals) {
			const error = await save(dimension, score).then(
				() => null,
				(e: unknown) => e
			);
			expect(error, `${dimension} ${String(score)}`).toBeInstanceOf(ValidationError);
			expect((error as ValidationError).issues).toEqual([{ field: 'score', message }]);
		}
		const stored = await database.db
			.select({ dimension: ratings.dimension, score: ratings.score })
			.from(ratings)
			.innerJoin(assignments, eq(assignments.id, ratings.assignmentId))
			.where(eq(assignments.roundId, round.id))
			.orderBy(ratings.dimension);
		expect(stored).toEqual([
			{ dimension: 'completeness', score: 5 },
			{ dimension: 'fabrication', score: 0 },
			{ dimension: 'harm_extent', score: 3 },
			{ dimension: 'harm_likelihood', score: 1 },
			{ dimension: 'overall', score: 4 }
		]);
	});

	it('refuses wrong scales with study.yaml, line and field, writing nothing', async () => {
		const dir = writeStudy('bad', BAD);
		const before = await database.db.select({ n: count() }).from(studies);
		let error: unknown;
		try {
			await importStudy(database.db, CLI, loadStudy(dir));
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(ValidationError);
		const file = path.relative(process.cwd(), path.join(dir, 'study.yaml'));
		expect((error as ValidationError).issues).toEqual([
			{
				file,
				line: 11,
				field: 'form.dimensions.0.anchors',
				message: 'needs exactly 4 anchors (1 to 4); for a 5-point scale write "scale: 5"'
			},
			{
				file,
				line: 14,
				field: 'form.dimensions.1.scale',
				message: expect.stringMatching(/^must be a number of points from 2 to 7, .* \(got 8\)$/)
			},
			{
				file,
				line: 18,
				field: 'form.dimensions.2.scale',
				message: expect.stringMatching(/^unknown scale "harm-severity"/)
			}
		]);
		expect(await database.db.select({ n: count() }).from(studies)).toEqual(before);
	});
});
