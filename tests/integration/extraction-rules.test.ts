/**
 * A study's own extraction rules (study.yaml `analysis.extraction`) on both databases: imported
 * with the study, used by the round analysis (a demo letter the defaults miss gets its modality),
 * and written back by the study-folder export so that re-importing it changes nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractModality } from '../../src/lib/analysis/label-extraction';
import { CLI } from '../../src/lib/server/auth/actors';
import type { Database } from '../../src/lib/server/db';
import { roundAnalysis } from '../../src/lib/server/round-analysis';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { writeStudyFolder } from '../../src/lib/server/studies/study-folder';
import { TEST_DATABASES } from '../support/databases';
import { copyDemoStudy } from '../support/fixtures';
import { optOutForTest } from '../support/preregister';

const RULES =
	'  extraction:\n    modality:\n      languages:\n        en:\n          photon:\n' +
	"            synonyms: ['deep-inspiration breath hold']\n" +
	"            patterns: ['\\b\\d{1,2}\\s?MV\\b']\n" +
	"    icd10:\n      markers: ['Diagnoseschl(?:ü|ue)ssel:?']\n";

/** Base-model letters of the demo in which the built-in rules find no modality. */
function baseWithoutModality(): number {
	return fs
		.readFileSync('studies/demo/outputs/base.jsonl', 'utf8')
		.split('\n')
		.filter((l) => l.trim())
		.filter((l) => extractModality((JSON.parse(l) as { text: string }).text) === null).length;
}

describe.each(TEST_DATABASES)('study extraction rules on $name', ({ create }) => {
	let database: Database;
	let work: string;
	let dir: string;
	let roundId: string;

	beforeAll(async () => {
		work = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-extraction-rules-'));
		dir = copyDemoStudy(work, 'rules', {
			mutate: (files) => {
				files['study.yaml'] = files['study.yaml']!.replace(
					/\n {2}- name: tiny-random\n {4}manifest: [^\n]+/,
					''
				).replace('analysis:\n  aggregate: mean\n', `analysis:\n  aggregate: mean\n${RULES}`);
			}
		});
		database = await create();
		const { db } = database;
		const { studyId } = await importStudy(db, CLI, loadStudy(dir));
		const round = await rounds.create(db, CLI, {
			studyId,
			name: 'R1',
			checkpointNames: ['llama3-8b-instruct', 'llama3-8b-qlora-letters']
		});
		await rounds.transition(db, CLI, round.id, 'open');
		await rounds.transition(db, CLI, round.id, 'locked');
		await optOutForTest(db, round.id);
		await rounds.transition(db, CLI, round.id, 'unblinded');
		roundId = round.id;
	});
	afterAll(async () => {
		await database?.close();
		fs.rmSync(work, { recursive: true, force: true });
	});

	it('analyses the round with the study’s rules', async () => {
		const { analysis } = await roundAnalysis(database.db, CLI, roundId);
		const base = analysis.classification.find(
			(c) => c.task === 'modality' && c.checkpoint === 'llama3-8b-instruct'
		)!;
		// DEMO-02's "deep-inspiration breath hold" is now a photon hit; the rest stay unfound.
		expect(base.n).toBe(14);
		expect(base.noPrediction).toBe(baseWithoutModality() - 1);
		expect(base.noLabel.reduce((a, b) => a + b, 0)).toBe(base.noPrediction);
	});

	it('writes the rules back into the exported study.yaml; re-importing it changes nothing', async () => {
		const out = path.join(work, 'export', 'demo');
		await writeStudyFolder(database.db, 'demo', out);
		const exported = loadStudy(out);
		expect(exported.study.analysis?.extraction).toEqual(loadStudy(dir).study.analysis?.extraction);
		const again = await importStudy(database.db, CLI, exported);
		expect(again.created).toBe(false);
		expect(again.cases).toEqual({ added: 0, updated: 0, unchanged: 14 });
		expect(again.outputs.added + again.outputs.updated).toBe(0);
	});
});
