/**
 * Issue 14 on both databases: the per-case metric CSV of a round and of a study folder, and the
 * acceptable-letter table (analysis, report, CSV), from a rated and unblinded demo round. R's
 * read.csv and pandas' read_csv load the CSV files with no options, with a numeric value column.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../../src/lib/server/auth/actors';
import type { Database } from '../../src/lib/server/db';
import {
	roundAcceptabilityCsv,
	roundMetricsCsv,
	studyMetricsCsv
} from '../../src/lib/server/metric-exports';
import * as rating from '../../src/lib/server/rating';
import { roundAnalysis, roundReport } from '../../src/lib/server/round-analysis';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { writeStudyFolder } from '../../src/lib/server/studies/study-folder';
import { runPython, runR } from '../support/csv-readers';
import { TEST_DATABASES } from '../support/databases';
import { optOutForTest } from '../support/preregister';

const BASE = 'llama3-8b-instruct';
const FT = 'llama3-8b-qlora-letters';

describe.each(TEST_DATABASES)('metric and acceptability exports on $name', ({ create }) => {
	let database: Database;
	let dir: string;
	let roundId: string;
	let studyId: string;
	let beforeUnblinding: unknown;

	beforeAll(async () => {
		database = await create();
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-metrics-'));
		({ studyId } = await importStudy(database.db, CLI, loadStudy('studies/demo')));
		const round = await rounds.create(database.db, CLI, {
			studyId,
			name: 'Metrics round',
			checkpointNames: [BASE, FT],
			seed: 'm'
		});
		roundId = round.id;
		await rounds.transition(database.db, CLI, round.id, 'open');
		for (const name of ['A', 'B', 'C']) {
			const { token } = await rounds.addRater(database.db, CLI, round.id, { name });
			const rater = (await rating.raterFromToken(database.db, token))!;
			const mine = (await rating.currentRound(database.db, rater))!;
			for (const slot of mine.slots)
				for (const [i, d] of mine.form.dimensions.entries())
					await rating.saveScore(
						database.db,
						rater,
						slot.code,
						d.key,
						((slot.position * 5 + i + name.charCodeAt(0)) % 4) + 1
					);
		}
		await rounds.transition(database.db, CLI, round.id, 'locked');
		beforeUnblinding = await roundMetricsCsv(database.db, CLI, roundId).catch((e: unknown) => e);
		await optOutForTest(database.db, round.id);
		await rounds.transition(database.db, CLI, round.id, 'unblinded');
	});
	afterAll(async () => {
		await database?.close();
		if (dir) fs.rmSync(dir, { recursive: true, force: true });
	});

	it('refuses the per-case metrics before unblinding: they name checkpoints', () => {
		expect(beforeUnblinding).toBeInstanceOf(Error);
		expect(String(beforeUnblinding)).toMatch(/unblind it first/);
	});

	it('per-case metrics load in R and pandas and agree with the ROUGE table', async () => {
		const file = path.join(dir, 'metrics.csv');
		fs.writeFileSync(file, await roundMetricsCsv(database.db, CLI, roundId));
		// 14 cases × 2 checkpoints, each with a reference (12 ROUGE rows) and 3 label rows.
		const r = runR(
			`d <- read.csv("${file}"); m <- d[d$metric == "rouge1_fmeasure", ]; ` +
				`cat(nrow(d), is.numeric(d$value), length(unique(d$metric)), ` +
				`sprintf("%.15g", tapply(m$value, m$checkpoint, mean)), ` +
				`all(d$value[grepl("_correct$", d$metric)] %in% c(0, 1, NA)), sep = "|")`
		);
		const { analysis } = await roundAnalysis(database.db, CLI, roundId);
		const mean = (cp: string) =>
			analysis.rouge.find((x) => x.checkpoint === cp)!.scores.rouge1.fmeasure.mean!;
		const [n, numeric, metrics, baseMean, ftMean, binary] = r.split('|');
		expect([n, numeric, metrics, binary]).toEqual([String(28 * 15), 'TRUE', '15', 'TRUE']);
		expect(Number(baseMean)).toBeCloseTo(mean(BASE), 12);
		expect(Number(ftMean)).toBeCloseTo(mean(FT), 12);
		const py = runPython(
			`import pandas as pd; d = pd.read_csv("${file}"); print(len(d), d["value"].dtype, list(d.columns), sorted(d["checkpoint"].unique()))`
		);
		expect(py.trim()).toBe(
			`420 float64 ['case_id', 'checkpoint', 'metric', 'value', 'label'] ['${BASE}', '${FT}']`
		);
	});

	it('the paired automatic-metric tests are in the analysis and the report', async () => {
		const { analysis } = await roundAnalysis(database.db, CLI, roundId);
		expect(analysis.metricTests).toHaveLength(1);
		const m = analysis.metricTests[0]!;
		// The demo pre-registers the fine-tune over the base model: one-sided.
		expect([m.x, m.y, m.alternative]).toEqual([BASE, FT, 'less']);
		expect(m.rouge.map((t) => t.n)).toEqual([14, 14, 14]);
		expect(m.labels[0]!.n).toBe(14);
		const report = await roundReport(database.db, CLI, roundId);
		expect(report).toContain('## Paired tests on automatic metrics');
		expect(report).toContain(`| ${BASE} vs ${FT} | Modality correct | ${BASE} < ${FT} | 14 |`);
	});

	it('acceptable letters: analysis, report and a CSV that R reads', async () => {
		const { analysis } = await roundAnalysis(database.db, CLI, roundId);
		const acc = analysis.acceptability!;
		// The demo's study.yaml defines it: clinical_benefit >= 3 by a majority of raters.
		expect([acc.rule, acc.raters]).toEqual(['clinical_benefit >= 3', 'majority']);
		expect(acc.rows.map((r) => [r.checkpoint, r.letters, r.ratings])).toEqual([
			[BASE, 14, 42],
			[FT, 14, 42]
		]);
		expect(acc.comparisons[0]!.n).toBe(14);
		const report = await roundReport(database.db, CLI, roundId);
		expect(report).toContain('## Acceptable letters');
		const file = path.join(dir, 'acceptability.csv');
		fs.writeFileSync(file, await roundAcceptabilityCsv(database.db, CLI, roundId));
		const r = runR(
			`d <- read.csv("${file}"); cat(nrow(d), d$letters, d$acceptable, is.numeric(d$wilson_lower), sep = "|")`
		);
		expect(r).toBe(`2|14|14|${acc.rows[0]!.acceptable}|${acc.rows[1]!.acceptable}|TRUE`);
	});

	it('the study folder export carries metrics.csv and still imports', async () => {
		const target = path.join(dir, 'folder');
		const files = await writeStudyFolder(database.db, 'demo', target);
		expect(files.map((f) => f.path)).toContain('metrics.csv');
		const text = fs.readFileSync(path.join(target, 'metrics.csv'), 'utf8');
		expect(text).toBe(await studyMetricsCsv(database.db, studyId));
		const r = runR(
			`d <- read.csv("${path.join(target, 'metrics.csv')}"); cat(nrow(d), is.numeric(d$value))`
		);
		expect(r).toBe('420 TRUE');
		expect(loadStudy(target).study.name).toMatch(/Demo/);
	});
});
