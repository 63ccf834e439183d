import { describe, expect, it } from 'vitest';
import { toCsv } from '../domain/csv';
import { compareMetrics } from './metric-tests';
import {
	METRIC_CSV_COLUMNS,
	metricCsvRows,
	metricValues,
	perCaseMetrics
} from './per-case-metrics';
import { rougeScores } from './rouge';

const cases = [
	{ caseId: 'c2', reference: 'the cat sat on the mat', goldModality: 'Photon', goldIcd10: 'c34.1' },
	{ caseId: 'c1', reference: null, goldModality: 'proton', goldIcd10: null },
	{ caseId: 'c3', reference: 'a dog', goldModality: null, goldIcd10: null }
];
const outputs = [
	{ caseId: 'c2', checkpoint: 'ft', text: 'The cat sat. Photon therapy, ICD-10: C34.1.' },
	{ caseId: 'c1', checkpoint: 'ft', text: 'Proton beam therapy.' },
	{ caseId: 'c2', checkpoint: 'base', text: 'A mat. Electron therapy (C34.9).' },
	{ caseId: 'c1', checkpoint: 'base', text: 'Nothing useful.' },
	{ caseId: 'c9', checkpoint: 'base', text: 'unknown case' },
	{ caseId: 'c3', checkpoint: 'other', text: 'not analysed' }
];

describe('perCaseMetrics', () => {
	const rows = perCaseMetrics(outputs, cases, ['base', 'ft']);

	it('orders by checkpoint, then case, and skips unknown cases and checkpoints', () => {
		expect(rows.map((r) => `${r.checkpoint}/${r.caseId}`)).toEqual([
			'base/c1',
			'base/c2',
			'ft/c1',
			'ft/c2'
		]);
	});

	it('scores ROUGE as rougeScores does, only where the case has a reference', () => {
		const ft = rows.find((r) => r.checkpoint === 'ft' && r.caseId === 'c2')!;
		expect(ft.rouge).toEqual(rougeScores('the cat sat on the mat', outputs[0]!.text));
		expect(rows.find((r) => r.caseId === 'c1')!.rouge).toBeNull();
	});

	it('compares extracted labels with the normalized gold labels', () => {
		const ft = rows.find((r) => r.checkpoint === 'ft' && r.caseId === 'c2')!;
		expect(ft.labels).toEqual([
			{ task: 'modality', extracted: 'photon', gold: 'photon', correct: true },
			{ task: 'icd10', extracted: 'C34.1', gold: 'C34.1', correct: true },
			{ task: 'icd10Category', extracted: 'C34', gold: 'C34', correct: true }
		]);
		const base = rows.find((r) => r.checkpoint === 'base' && r.caseId === 'c2')!;
		expect(base.labels.map((l) => [l.extracted, l.correct])).toEqual([
			['electron', false],
			['C34.9', false],
			['C34', true]
		]);
		const none = rows.find((r) => r.checkpoint === 'base' && r.caseId === 'c1')!;
		expect(none.labels.map((l) => [l.extracted, l.gold, l.correct])).toEqual([
			['none', 'proton', false],
			['none', null, null],
			['none', null, null]
		]);
	});

	it('feeds the paired tests', () => {
		const v = metricValues(rows);
		const c = compareMetrics('ft', 'base', v.get('ft')!, v.get('base')!, 'greater');
		// Modality: ft right on both cases, base on neither: two discordant pairs for ft.
		expect(c.labels[0]).toMatchObject({ n: 2, both: 0, onlyX: 2, onlyY: 0, neither: 0 });
		expect(c.labels[0]!.pValue).toBe(0.25);
		expect(c.rouge[0]!.n).toBe(1);
	});

	it('writes the long CSV with a numeric value column and the label beside it', () => {
		const csvRows = metricCsvRows(rows);
		// base/c1: 3 label rows; base/c2: 12 ROUGE rows + 3 label rows; same for ft.
		expect(csvRows).toHaveLength(2 * (3 + 15));
		expect(csvRows.every((r) => r.value === null || typeof r.value === 'number')).toBe(true);
		expect(
			csvRows.filter((r) => r.case_id === 'c2' && r.checkpoint === 'ft').map((r) => r.metric)
		).toEqual([
			'rouge1_precision',
			'rouge1_recall',
			'rouge1_fmeasure',
			'rouge2_precision',
			'rouge2_recall',
			'rouge2_fmeasure',
			'rougeL_precision',
			'rougeL_recall',
			'rougeL_fmeasure',
			'rougeLsum_precision',
			'rougeLsum_recall',
			'rougeLsum_fmeasure',
			'modality_correct',
			'icd10_correct',
			'icd10_category_correct'
		]);
		const csv = toCsv(METRIC_CSV_COLUMNS, csvRows);
		expect(csv.split('\r\n')[0]).toBe('case_id,checkpoint,metric,value,label');
		expect(csv).toContain('\r\nc1,base,icd10_correct,,none\r\n');
		expect(csv).toContain('\r\nc2,base,modality_correct,0,electron\r\n');
	});
});
