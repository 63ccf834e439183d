import { describe, expect, it } from 'vitest';
import { textLines } from './lines';
import {
	describeMatch,
	findLeakage,
	LEAKAGE_THRESHOLD,
	parseTrainingData,
	shingles,
	type EvalCase
} from './leakage';

const LETTER =
	'Dear Dr. Weber, we report on Mr. K. L., who presented with an adenocarcinoma of the prostate, ' +
	'Gleason score 3+4=7, initial PSA 8.4 ng/ml, favourable intermediate risk. After counselling he ' +
	'declined androgen deprivation therapy. We planned moderately hypofractionated image-guided ' +
	'radiotherapy of the prostate and the proximal seminal vesicles with 60 Gy in 20 fractions of ' +
	'3 Gy from 2 March to 27 March 2026. We recommend PSA follow-up every three months in the first ' +
	'year by the referring urologist.';

// The same letter with five scattered edits (a near duplicate, as after light cleaning).
const EDITED = LETTER.replace('we report on', 'we write about')
	.replace('After counselling', 'After detailed counselling')
	.replace('We planned', 'We have planned')
	.replace('every three months', 'every 3 months')
	.replace('referring urologist', 'treating urologist');

// The same facts in other words: not a copy of the letter.
const PARAPHRASE =
	'Dear colleague Weber, thank you for referring Mr. K. L. His prostate cancer (ISUP group 2, PSA ' +
	'8.4) is of favourable intermediate risk, and having discussed hormone therapy he chose to go ' +
	'without it. He will receive 20 daily treatments of 3 Gy each, 60 Gy altogether, to the gland ' +
	'and the base of the seminal vesicles, guided by daily imaging, between early and late March ' +
	'2026. Please check his PSA each quarter during the first year.';

const SOURCE =
	'Adenocarcinoma of the prostate, favourable intermediate risk, initial PSA 8.4 ng/ml\nC61\n' +
	'Acinar adenocarcinoma, Gleason score 3+4=7 (ISUP grade group 2), 4 of 12 cores positive';

const cases: EvalCase[] = [
	{ id: 'C-1', source: SOURCE, reference: LETTER },
	{ id: 'C-2', source: 'Breast cancer, left, pT1c pN0', reference: 'A short note.' },
	{ id: 'C-3', source: 'Glioblastoma, IDH wild type', reference: LETTER.replace(/prostate/g, 'x') }
];

const jsonl = (rows: unknown[]) => textLines(rows.map((r) => JSON.stringify(r)).join('\n'));

describe('leakage', () => {
	it('finds a case by id and by the exact text of its letter in a prompt/completion pair', () => {
		const examples = parseTrainingData(
			jsonl([
				{ case_id: 'C-2', prompt: 'Write a letter.', completion: 'Something else entirely.' },
				{ prompt: `Write the letter for:\n${SOURCE}`, completion: LETTER }
			]),
			'train.jsonl'
		);
		const report = findLeakage(cases.slice(0, 2), examples, 'train.jsonl');
		expect(report.matches).toEqual([
			{ caseId: 'C-1', by: 'source', line: 2, similarity: 1 },
			{ caseId: 'C-1', by: 'reference', line: 2, similarity: 1 },
			{ caseId: 'C-2', by: 'id', line: 1, trainingId: 'C-2', similarity: 1 }
		]);
		expect(report.leakedCases).toEqual(['C-1', 'C-2']);
		expect(describeMatch(report.matches[2]!)).toBe(
			'case "C-2" ↔ training example at line 1: by case id'
		);
	});

	it('finds a near duplicate above the threshold, and not a paraphrase of the same case', () => {
		const examples = parseTrainingData(
			jsonl([
				{ id: 't1', messages: [{ role: 'assistant', content: EDITED }] },
				{ id: 't2', messages: [{ role: 'assistant', content: PARAPHRASE }] }
			]),
			'train.jsonl'
		);
		const report = findLeakage([cases[0]!], examples, 'train.jsonl');
		expect(report.matches.map((m) => [m.by, m.trainingId])).toEqual([['reference', 't1']]);
		const near = report.matches[0]!.similarity;
		expect(near).toBeGreaterThanOrEqual(LEAKAGE_THRESHOLD);
		expect(near).toBeLessThan(1);
		// The paraphrase's score, measured with no threshold, is well below it.
		const all = findLeakage([cases[0]!], examples, 'train.jsonl', 0);
		const para = all.matches.find((m) => m.trainingId === 't2' && m.by === 'reference');
		expect(para?.similarity ?? 0).toBeLessThan(0.2);
	});

	it('treats boilerplate shared by most examples as no evidence', () => {
		const examples = parseTrainingData(
			jsonl([{ text: LETTER }, { text: LETTER }, { text: LETTER }]),
			'train.jsonl'
		);
		// Every shingle of the letter is in all three examples: it is the template, not a case.
		expect(findLeakage([cases[0]!], examples, 'train.jsonl').matches).toEqual([]);
	});

	it('reads a CSV with a case_id column and a list of case ids', () => {
		const csv = parseTrainingData(
			textLines(`case_id,completion\nC-3,"${LETTER.replace(/prostate/g, 'x')}"\n`),
			'train.csv'
		);
		expect(csv).toEqual([{ line: 2, id: 'C-3', text: expect.stringContaining('Dear Dr.') }]);
		const ids = parseTrainingData(textLines('C-2\n\nC-9\n'), 'ids.txt');
		expect(findLeakage(cases, ids, 'ids.txt').leakedCases).toEqual(['C-2']);
	});

	it('names the file and line of a malformed example, and refuses other formats', () => {
		expect(() => parseTrainingData(textLines('{"a":1}\n{oops\n[1]'), 't.jsonl')).toThrow(
			/t\.jsonl, line 2: .*\n.*t\.jsonl, line 3: is not a JSON object/
		);
		expect(() => parseTrainingData(textLines('x'), 't.parquet')).toThrow(/\.jsonl, \.csv or \.txt/);
	});

	it('shingles are runs of five lower-cased words', () => {
		expect([...shingles('A b, C d e F')]).toEqual(['a b c d e', 'b c d e f']);
	});
});
