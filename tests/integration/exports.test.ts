/**
 * Exports on both databases: long and wide CSV, JSON and the codebook hold exactly the ratings
 * given (with comments and seconds on item), paging works past one page, and R's read.csv and
 * pandas' read_csv load the CSV files with no options.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blindedAgreement, roundAnalysis, roundReport } from '../../src/lib/server/round-analysis';
import { CLI } from '../../src/lib/server/auth/actors';
import type { Database } from '../../src/lib/server/db';
import * as schema from '../../src/lib/server/db/schema';
import { exportStream, type ExportFormat } from '../../src/lib/server/exports';
import * as rating from '../../src/lib/server/rating';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { runPython, runR } from '../support/csv-readers';
import { TEST_DATABASES } from '../support/databases';
import { optOutForTest } from '../support/preregister';

async function text(database: Database, roundId: string, format: ExportFormat, pageSize?: number) {
	const out = await exportStream(database.db, CLI, roundId, format, pageSize);
	let s = '';
	for await (const c of out.chunks) s += c;
	return s;
}

describe.each(TEST_DATABASES)('exports on $name', ({ create }) => {
	let database: Database;
	let dir: string;
	let roundId: string;
	const given = new Map<string, number>();

	beforeAll(async () => {
		database = await create();
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-export-'));
		const { studyId } = await importStudy(database.db, CLI, loadStudy('studies/demo'));
		const round = await rounds.create(database.db, CLI, {
			studyId,
			name: 'Export round',
			checkpointNames: ['llama3-8b-instruct', 'llama3-8b-qlora-letters'],
			seed: 'x'
		});
		roundId = round.id;
		await rounds.transition(database.db, CLI, round.id, 'open');
		// 3 raters × 28 items × 6 dimensions = 504 ratings.
		for (const name of ['A', 'B', 'C']) {
			const { token } = await rounds.addRater(database.db, CLI, round.id, { name });
			const rater = (await rating.raterFromToken(database.db, token))!;
			const mine = (await rating.currentRound(database.db, rater))!;
			for (const slot of mine.slots)
				for (const [i, d] of mine.form.dimensions.entries()) {
					const score = ((slot.position * 7 + i + name.charCodeAt(0)) % 4) + 1;
					await rating.saveScore(database.db, rater, slot.code, d.key, score);
					given.set(`${rater.pseudonym}/${slot.code}/${d.key}`, score);
				}
		}
		// One comment with a comma, a quote and a line break, to test quoting.
		const [first] = await database.db.select().from(schema.assignments).limit(1);
		await database.db.insert(schema.comments).values({
			assignmentId: first!.id,
			dimension: 'diagnosis',
			body: 'Wrong "TNM", see\nline 2'
		});
		// The overall comment on that item, which each of its rows carries as item_comment.
		await database.db
			.insert(schema.comments)
			.values({ assignmentId: first!.id, dimension: '', body: 'Overall: fine' });
		await database.db
			.update(schema.assignments)
			.set({ secondsOnItem: 42 })
			.where(eq(schema.assignments.id, first!.id));
		await rounds.transition(database.db, CLI, round.id, 'locked');
		await optOutForTest(database.db, round.id);
		await rounds.transition(database.db, CLI, round.id, 'unblinded');
	});
	afterAll(async () => {
		await database?.close();
		if (dir) fs.rmSync(dir, { recursive: true, force: true });
	});

	it('long CSV, loaded by R and pandas without options, holds exactly the ratings given', async () => {
		const csv = await text(database, roundId, 'long');
		const file = path.join(dir, 'long.csv');
		fs.writeFileSync(file, csv);
		const r = runR(
			`d <- read.csv("${file}"); cat(nrow(d), is.integer(d$score), sum(d$score), sum(d$seconds_on_item == 42), d$comment[d$comment != ""][1], sep = "|")`
		);
		const sum = [...given.values()].reduce((a, b) => a + b, 0);
		expect(r).toBe(`${given.size}|TRUE|${sum}|6|Wrong "TNM", see\nline 2`);
		const py = runPython(
			`import pandas as pd; d = pd.read_csv("${file}"); print(len(d), d["score"].dtype, int(d["score"].sum()), sorted(d["checkpoint"].unique()))`
		);
		expect(py.trim()).toBe(
			`${given.size} int64 ${sum} ['llama3-8b-instruct', 'llama3-8b-qlora-letters']`
		);
	});

	it('wide CSV has one row per item × rater with every dimension', async () => {
		const csv = await text(database, roundId, 'wide');
		const file = path.join(dir, 'wide.csv');
		fs.writeFileSync(file, csv);
		const r = runR(
			`d <- read.csv("${file}"); cat(nrow(d), ncol(d), sum(d$diagnosis), sum(d$item_comment == "Overall: fine"), sep = "|")`
		);
		const diagnosisSum = [...given]
			.filter(([k]) => k.endsWith('/diagnosis'))
			.reduce((a, [, v]) => a + v, 0);
		// 8 item columns, seconds on item, 6 scores, 6 comments, the overall comment.
		expect(r).toBe(`${3 * 28}|${8 + 1 + 6 * 2 + 1}|${diagnosisSum}|1`);
	});

	it('pages through the ratings without losing or repeating a row', async () => {
		for (const format of ['long', 'wide', 'json'] as const)
			expect(await text(database, roundId, format, 7)).toBe(await text(database, roundId, format));
	});

	it('analyses the round from the database as the pure analysis would', async () => {
		const { analysis } = await roundAnalysis(database.db, CLI, roundId);
		expect(analysis.overview).toMatchObject({
			ratings: given.size,
			raters: 3,
			cases: 14,
			items: 28
		});
		const long = JSON.parse(await text(database, roundId, 'json')) as {
			ratings: { checkpoint: string; dimension: string; score: number }[];
		};
		for (const cell of analysis.descriptives) {
			const xs = long.ratings
				.filter((r) => r.checkpoint === cell.checkpoint && r.dimension === cell.dimension)
				.map((r) => r.score);
			expect(cell.summary.mean).toBeCloseTo(xs.reduce((a, b) => a + b, 0) / xs.length, 12);
		}
		// The demo study pre-registers "fine-tune better than base": one-sided tests.
		const pair = analysis.paired[0]!;
		expect(pair.tests.every((t) => t.alternative !== 'two-sided')).toBe(true);
		expect(analysis.rouge.map((r) => r.n)).toEqual([14, 14]);
		expect(analysis.classification.find((c) => c.task === 'modality')?.n).toBe(14);
		const report = await roundReport(database.db, CLI, roundId);
		expect(report).toContain('llama3-8b-qlora-letters');
	});

	it('shows agreement without checkpoint identities while blinded', async () => {
		const agreement = await blindedAgreement(database.db, CLI, roundId);
		expect(agreement.map((g) => g.dimension)).toHaveLength(6);
		expect(agreement.every((g) => g.raters === 3 && g.items === 28)).toBe(true);
		expect(JSON.stringify(agreement)).not.toMatch(/llama3|qlora/);
	});

	it('JSON and the codebook describe the same data', async () => {
		const json = JSON.parse(await text(database, roundId, 'json')) as {
			ratings: { rater: string; item_code: string; dimension: string; score: number }[];
		};
		expect(
			new Map(json.ratings.map((r) => [`${r.rater}/${r.item_code}/${r.dimension}`, r.score]))
		).toEqual(given);
		const codebook = await text(database, roundId, 'codebook');
		expect(codebook).toContain('score,integer 1-4,');
		expect(codebook).toContain('salutation,value 4,');
	});
});
