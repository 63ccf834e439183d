import { describe, expect, it } from 'vitest';
import {
	confusionMatrix,
	distributionSeries,
	meansWithCi,
	OTHER_COLUMN,
	OUTCOME_COLORS,
	pairwiseOutcomeSeries,
	PALETTE,
	paletteColor,
	rougeSeries,
	SCORE_PALETTE
} from './chart-series';
import { analyzePairwise, type PairwiseJudgement } from './pairwise-study';
import { analyzeStudy, type CaseRow, type OutputRow, type RatingRow } from './study';

const DIMENSIONS = [
	{ key: 'accuracy', label: 'Accuracy' },
	{ key: 'clarity', label: 'Clarity' }
];

function ratings(checkpoints: string[]): RatingRow[] {
	const rows: RatingRow[] = [];
	for (let r = 0; r < 2; r++) {
		for (let c = 0; c < 5; c++) {
			checkpoints.forEach((checkpoint, k) => {
				rows.push({
					rater: `r${r}`,
					caseId: `c${c}`,
					itemCode: `i${c}-${k}`,
					checkpoint,
					dimension: 'accuracy',
					score: 1 + ((c + k + r) % 4)
				});
			});
		}
	}
	return rows;
}

const cases: CaseRow[] = [
	{ caseId: 'c0', reference: 'Photon therapy with VMAT.', goldModality: 'photon' },
	{ caseId: 'c1', reference: 'Proton therapy.', goldModality: 'proton' },
	{ caseId: 'c2', goldModality: 'proton' }
];
const outputs: OutputRow[] = [
	{ caseId: 'c0', checkpoint: 'base', text: 'Photon therapy with VMAT.' },
	{ caseId: 'c1', checkpoint: 'base', text: 'Treated with IMRT.' },
	{ caseId: 'c2', checkpoint: 'base', text: 'No modality named.' }
];

function analyze(checkpoints: string[]) {
	// The third checkpoint has no ratings.
	return analyzeStudy(ratings(checkpoints.slice(0, 2)), outputs, cases, {
		seed: 'charts',
		bootstrapReplicates: 50,
		dimensions: DIMENSIONS,
		checkpoints
	});
}

const analysis = analyze(['base', 'ft', 'empty']);

describe('palette', () => {
	it('uses the eight Okabe–Ito colors by index and wraps around', () => {
		expect(PALETTE).toHaveLength(8);
		expect(paletteColor(0)).toBe('#E69F00');
		expect(paletteColor(8)).toBe(paletteColor(0));
		expect(new Set(SCORE_PALETTE).size).toBe(4);
		for (const c of SCORE_PALETTE) expect(PALETTE).toContain(c);
	});

	it('colors checkpoints by position, not by name', () => {
		const renamed = analyze(['x', 'y', 'z']);
		expect(meansWithCi(renamed).datasets.map((d) => d.backgroundColor)).toEqual(
			meansWithCi(analysis).datasets.map((d) => d.backgroundColor)
		);
		expect(meansWithCi(analysis).datasets.map((d) => d.backgroundColor)).toEqual(
			PALETTE.slice(0, 3)
		);
	});
});

describe('distributionSeries', () => {
	it('stacks the percentage of each score per checkpoint', () => {
		const s = distributionSeries(analysis, 'accuracy');
		expect(s.labels).toEqual(['base', 'ft', 'empty']);
		expect(s.datasets.map((d) => d.label)).toEqual(['1', '2', '3', '4']);
		expect(s.datasets.map((d) => d.backgroundColor)).toEqual([...SCORE_PALETTE]);
		const base = analysis.descriptives.find(
			(d) => d.checkpoint === 'base' && d.dimension === 'accuracy'
		)!;
		expect(s.datasets.map((d) => d.counts[0])).toEqual(base.counts);
		expect(s.datasets.map((d) => d.data[0])).toEqual(base.counts.map((k) => (100 * k) / 10));
		const total = s.datasets.reduce((sum, d) => sum + d.data[1]!, 0);
		expect(total).toBeCloseTo(100, 12);
		// 'empty' has no ratings: gaps, not zeros.
		expect(s.datasets.every((d) => d.data[2] === null)).toBe(true);
	});

	it('gives gaps for a dimension without ratings or an unknown one', () => {
		for (const dim of ['clarity', 'nope']) {
			const s = distributionSeries(analysis, dim);
			expect(s.datasets.every((d) => d.data.every((x) => x === null))).toBe(true);
		}
	});
});

describe('meansWithCi', () => {
	it('gives each checkpoint its means and bounds per dimension', () => {
		const s = meansWithCi(analysis);
		expect(s.labels).toEqual(['Accuracy', 'Clarity']);
		const base = s.datasets[0]!;
		const cell = analysis.descriptives.find(
			(d) => d.checkpoint === 'base' && d.dimension === 'accuracy'
		)!;
		expect(base).toMatchObject({ label: 'base' });
		expect(base.data).toEqual([cell.meanCi!.estimate, null]);
		expect(base.lower).toEqual([cell.meanCi!.lower, null]);
		expect(base.upper).toEqual([cell.meanCi!.upper, null]);
		expect(base.lower[0]!).toBeLessThanOrEqual(base.data[0]!);
	});
});

describe('rougeSeries', () => {
	it('gives mean ROUGE per type and checkpoint', () => {
		const s = rougeSeries(analysis);
		expect(s.labels).toEqual(['ROUGE-1', 'ROUGE-2', 'ROUGE-L', 'ROUGE-Lsum']);
		const base = s.datasets[0]!;
		const row = analysis.rouge[0]!;
		expect(base.n).toBe(2);
		expect(base.data).toEqual([
			row.scores.rouge1.fmeasure.mean,
			row.scores.rouge2.fmeasure.mean,
			row.scores.rougeL.fmeasure.mean,
			row.scores.rougeLsum.fmeasure.mean
		]);
		expect(rougeSeries(analysis, 'recall').datasets[0]!.data[0]).toBe(
			row.scores.rouge1.recall.mean
		);
		expect(s.datasets[1]!.data).toEqual([null, null, null, null]);
	});
});

describe('confusionMatrix', () => {
	it('lays out gold rows against extracted columns with an other/none column', () => {
		const m = confusionMatrix(analysis, 'modality', 'base')!;
		expect(m.rowLabels).toEqual(['photon', 'proton']);
		expect(m.columnLabels).toEqual(['photon', 'proton', OTHER_COLUMN]);
		// c0 photon → photon; c1 proton → photon (IMRT); c2 proton → none.
		expect(m.counts).toEqual([
			[1, 0, 0],
			[1, 0, 1]
		]);
		expect(m.rowPercent).toEqual([
			[100, 0, 0],
			[50, 0, 50]
		]);
		expect(m.max).toBe(1);
		expect(m.cells).toContainEqual({ x: OTHER_COLUMN, y: 'proton', v: 1 });
		expect(m.cells).toHaveLength(6);
	});

	it('is null when the checkpoint has nothing to compare', () => {
		expect(confusionMatrix(analysis, 'modality', 'ft')).toBeNull();
		expect(confusionMatrix(analysis, 'icd10', 'base')).toBeNull();
	});

	it('returns JSON-safe data', () => {
		const all = [
			distributionSeries(analysis, 'accuracy'),
			meansWithCi(analysis),
			rougeSeries(analysis),
			confusionMatrix(analysis, 'modality', 'base')
		];
		expect(JSON.parse(JSON.stringify(all))).toStrictEqual(all);
	});
});

describe('pairwiseOutcomeSeries', () => {
	const judgement = (
		left: string,
		right: string,
		dimension: string,
		winner: PairwiseJudgement['winner']
	): PairwiseJudgement => ({ rater: 'r', caseId: 'c', left, right, dimension, winner });
	const pairwise = analyzePairwise(
		[
			// base vs ft, accuracy: base wins 1, ties 1, loses 2 (once shown on each side).
			judgement('base', 'ft', 'accuracy', 'left'),
			judgement('base', 'ft', 'accuracy', 'tie'),
			judgement('base', 'ft', 'accuracy', 'right'),
			judgement('ft', 'base', 'accuracy', 'left'),
			judgement('ft', 'dpo', 'clarity', 'right')
		],
		['base', 'ft', 'dpo'],
		['accuracy', 'clarity']
	);

	it('stacks wins, ties and losses of the first checkpoint as percentages, with counts', () => {
		const data = pairwiseOutcomeSeries(pairwise, { dimension: 'accuracy' });
		expect(data.labels).toEqual(['base vs ft', 'base vs dpo', 'ft vs dpo']);
		expect(data.cells).toEqual([
			{ a: 'base', b: 'ft', dimension: 'accuracy' },
			{ a: 'base', b: 'dpo', dimension: 'accuracy' },
			{ a: 'ft', b: 'dpo', dimension: 'accuracy' }
		]);
		expect(data.datasets.map((d) => d.label)).toEqual(['Wins', 'Ties', 'Losses']);
		expect(data.datasets.map((d) => d.counts[0])).toEqual([1, 1, 2]);
		expect(data.datasets.map((d) => d.data[0])).toEqual([25, 25, 50]);
		// Pairs without judgements are gaps, not zero-length bars.
		expect(data.datasets.map((d) => d.data[1])).toEqual([null, null, null]);
		expect(data.datasets.every((d) => d.stack === 'outcomes')).toBe(true);
		expect(data.datasets.map((d) => d.backgroundColor)).toEqual([
			OUTCOME_COLORS.win,
			OUTCOME_COLORS.tie,
			OUTCOME_COLORS.loss
		]);
	});

	it('shows every pair × dimension, with dimension labels, when no dimension is given', () => {
		const data = pairwiseOutcomeSeries(pairwise, {
			labels: [{ key: 'accuracy', label: 'Accuracy' }]
		});
		expect(data.labels).toEqual([
			'base vs ft · Accuracy',
			'base vs ft · clarity',
			'base vs dpo · Accuracy',
			'base vs dpo · clarity',
			'ft vs dpo · Accuracy',
			'ft vs dpo · clarity'
		]);
		expect(data.datasets.map((d) => d.data[5])).toEqual([0, 0, 100]);
		expect(JSON.parse(JSON.stringify(data))).toStrictEqual(data);
	});

	it('is empty for an unknown dimension', () => {
		const data = pairwiseOutcomeSeries(pairwise, { dimension: 'nope' });
		expect(data.labels).toEqual([]);
		expect(data.datasets.every((d) => d.data.length === 0)).toBe(true);
	});
});
