import { describe, expect, it } from 'vitest';
import { classificationReport } from './classification';
import {
	classTable,
	classTables,
	NO_LABEL_COLUMN,
	OUTSIDE_COLUMN,
	shownClasses
} from './classification-tables';
import type { ClassificationRow } from './study/classification';

const LABELS = ['photon', 'proton', 'brachytherapy'];

/**
 * Ten letters, worked by hand. Gold → extracted:
 * photon: photon, photon, none, electron (no gold case is electron);
 * proton: proton, photon, proton; brachytherapy: brachytherapy, none, photon.
 */
function modalityRow(checkpoint = 'base'): ClassificationRow {
	const truth = ['photon', 'photon', 'photon', 'photon', 'proton', 'proton', 'proton'];
	const pred = ['photon', 'photon', 'none', 'electron', 'proton', 'photon', 'proton'];
	truth.push('brachytherapy', 'brachytherapy', 'brachytherapy');
	pred.push('brachytherapy', 'none', 'photon');
	return {
		task: 'modality',
		checkpoint,
		labels: LABELS,
		n: 10,
		noPrediction: 2,
		noLabel: [1, 0, 1],
		missingOutputs: 0,
		report: classificationReport(truth, pred, LABELS)
	};
}

describe('classTable', () => {
	it('adds the "no label found" and outside columns, so every row sums to its support', () => {
		const t = classTable(modalityRow(), LABELS)!;
		expect(t.columns).toEqual([...LABELS, OUTSIDE_COLUMN, NO_LABEL_COLUMN]);
		expect(t.rows.map((r) => [r.label, r.counts, r.support])).toEqual([
			['photon', [2, 0, 0, 1, 1], 4],
			['proton', [1, 2, 0, 0, 0], 3],
			['brachytherapy', [1, 0, 1, 0, 1], 3]
		]);
		expect(t.rows.flatMap((r) => r.counts).reduce((a, b) => a + b, 0)).toBe(t.n);
	});

	it('gives each class its precision, recall and F1', () => {
		const t = classTable(modalityRow(), LABELS)!;
		// photon: TP 2 of 4 extracted (2 + proton's + brachytherapy's), 2 of 4 gold.
		expect(t.rows[0]).toMatchObject({ precision: 0.5, recall: 0.5, f1: 0.5 });
		// proton: 2 of 2 extracted, 2 of 3 gold; F1 = 2·1·(2/3)/(1 + 2/3) = 0.8.
		expect(t.rows[1]!.precision).toBe(1);
		expect(t.rows[1]!.recall).toBeCloseTo(2 / 3, 15);
		expect(t.rows[1]!.f1).toBeCloseTo(0.8, 15);
		// brachytherapy: 1 of 1 extracted, 1 of 3 gold; F1 = 2·(1/3)/(4/3) = 0.5.
		expect(t.rows[2]!.recall).toBeCloseTo(1 / 3, 15);
		expect(t.rows[2]!.f1).toBeCloseTo(0.5, 15);
	});

	it('sums the classes beyond the shown ones into one row and column', () => {
		const t = classTable(modalityRow(), ['photon'])!;
		expect(t.columns).toEqual(['photon', 'other (2 classes)', OUTSIDE_COLUMN, NO_LABEL_COLUMN]);
		expect(t.rows).toHaveLength(2);
		expect(t.rows[0]!.counts).toEqual([2, 0, 1, 1]);
		// proton and brachytherapy: 2 extracted as photon, 3 as one of themselves, 1 without label.
		const rest = t.rows[1]!;
		expect(rest).toMatchObject({ label: 'other (2 classes)', classes: 2, support: 6 });
		expect(rest.counts).toEqual([2, 3, 0, 1]);
		// Their unweighted means: P (1 + 1)/2, R (2/3 + 1/3)/2, F1 (0.8 + 0.5)/2.
		expect(rest.precision).toBe(1);
		expect(rest.recall).toBeCloseTo(0.5, 15);
		expect(rest.f1).toBeCloseTo(0.65, 15);
	});

	it('is null for a checkpoint without compared letters', () => {
		expect(classTable({ ...modalityRow(), n: 0, report: null }, LABELS)).toBeNull();
	});
});

describe('shownClasses', () => {
	it('keeps every class when they fit, else the most frequent ones in label order', () => {
		const rows = [modalityRow('base'), modalityRow('ft')];
		expect(shownClasses(rows, 3)).toEqual(LABELS);
		// Supports 4, 3, 3: photon, then proton before brachytherapy on the tie.
		expect(shownClasses(rows, 2)).toEqual(['photon']);
		const byBrachy = { ...modalityRow(), labels: ['brachytherapy', 'proton', 'photon'] };
		expect(shownClasses([byBrachy], 3)).toEqual(['brachytherapy', 'proton', 'photon']);
	});

	it('lines the checkpoints of a task up on the same columns', () => {
		const tables = classTables([modalityRow('base'), modalityRow('ft')], 'modality', 2);
		expect(tables.map((t) => t.checkpoint)).toEqual(['base', 'ft']);
		expect(tables[0]!.columns).toEqual(tables[1]!.columns);
		expect(classTables([modalityRow()], 'icd10Category')).toEqual([]);
	});
});
