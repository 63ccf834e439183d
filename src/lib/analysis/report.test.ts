import { describe, expect, it } from 'vitest';
import { formatNumber, formatP, formatPercent, renderMarkdownReport } from './report';
import { analyzeStudy, type CaseRow, type OutputRow, type RatingRow } from './study';

const DIMENSIONS = [
	{ key: 'accuracy', label: 'Accuracy' },
	{ key: 'clarity', label: 'Clarity | tone' }
];
const CHECKPOINTS = ['base', 'ft', 'ft-dpo'];
const META = { study: 'Letters 2026', round: 'Round 1', generatedAt: '2026-05-01T12:00:00Z' };

function ratings(): RatingRow[] {
	const rows: RatingRow[] = [];
	for (let r = 0; r < 3; r++) {
		for (let c = 0; c < 8; c++) {
			CHECKPOINTS.forEach((checkpoint, k) => {
				DIMENSIONS.forEach(({ key }, d) => {
					rows.push({
						rater: `rater-${r}`,
						caseId: `case-${c}`,
						itemCode: `item-${c}-${k}`,
						checkpoint,
						dimension: key,
						score: Math.min(4, 1 + ((c + k + r * d) % 3) + (k === 2 ? 1 : 0)),
						secondsOnItem: 30 + 5 * r + c
					});
				});
			});
		}
	}
	rows.push({ ...rows[0]!, itemCode: 'repeat-0', repeatOf: rows[0]!.itemCode });
	return rows;
}

const cases: CaseRow[] = Array.from({ length: 8 }, (_, c) => ({
	caseId: `case-${c}`,
	reference: `Lung cancer (C34.1) treated with VMAT.\nFollow-up in ${c + 2} weeks.`,
	goldModality: c % 2 ? 'photon' : 'proton',
	goldIcd10: 'C34.1'
}));
const outputs: OutputRow[] = CHECKPOINTS.flatMap((checkpoint, k) =>
	cases.map((c, i) => ({
		caseId: c.caseId,
		checkpoint,
		text: k === 0 && i < 2 ? 'No details.' : `Lung cancer (C34.${k}) with protons.\nWeeks ${i}.`,
		corrected: k === 1 ? [{ rater: 'rater-0', text: `Lung cancer (C34.1) with photons.` }] : []
	}))
);

const analysis = analyzeStudy(ratings(), outputs, cases, {
	seed: 'report',
	bootstrapReplicates: 100,
	dimensions: DIMENSIONS,
	checkpoints: CHECKPOINTS,
	hypotheses: [{ better: 'ft', than: 'base' }]
});
const report = renderMarkdownReport(analysis, META);

/** Columns of a Markdown table line, not splitting escaped pipes. */
const columns = (line: string) => line.replace(/\\\|/g, '').split('|').length - 2;

describe('number formatting', () => {
	it('prints p-values journal style', () => {
		expect(formatP(0.0004)).toBe('< 0.001');
		expect(formatP(0.001)).toBe('0.001');
		expect(formatP(0.04567)).toBe('0.046');
		expect(formatP(1)).toBe('1.000');
		expect(formatP(null)).toBe('—');
	});

	it('prints fixed decimals without negative zero, and dashes for missing values', () => {
		expect(formatNumber(2.345, 2)).toBe('2.35');
		expect(formatNumber(-0.001, 2)).toBe('0.00');
		expect(formatNumber(-0.25, 1)).toBe('-0.3');
		expect(formatNumber(null)).toBe('—');
		expect(formatPercent(0.4567)).toBe('45.7%');
		expect(formatPercent(null)).toBe('—');
	});
});

describe('renderMarkdownReport', () => {
	it('starts with the study, round and data overview', () => {
		expect(report.startsWith('# Letters 2026 — Round 1\n\nGenerated 2026-05-01T12:00:00Z.')).toBe(
			true
		);
		expect(report).toContain(
			'144 ratings by 3 raters of 24 items (8 cases; checkpoints: base, ft, ft-dpo)'
		);
		expect(report).toContain('on 2 dimensions, scale 1–4. 1 rating of repeated items served');
		expect(report).toContain('Pre-registered one-sided hypotheses: ft > base.');
		expect(report.endsWith('\n')).toBe(true);
	});

	it('tabulates means with their intervals per checkpoint × dimension', () => {
		const cell = analysis.descriptives.find(
			(d) => d.checkpoint === 'ft' && d.dimension === 'accuracy'
		)!;
		const ci = cell.meanCi!;
		const row = report.split('\n').find((l) => l.startsWith('| ft |'))!;
		expect(row).toContain(
			`${ci.estimate!.toFixed(2)} [${ci.lower!.toFixed(2)}, ${ci.upper!.toFixed(2)}]`
		);
		expect(report).toContain('| Checkpoint | Accuracy | Clarity \\| tone |');
	});

	it('prints score distributions with counts and percentages', () => {
		const cell = analysis.descriptives[0]!;
		const n = cell.summary.n;
		const expected = cell.counts.map((k) => `${k} (${((100 * k) / n).toFixed(1)}%)`).join(' | ');
		expect(report).toContain(`| base | ${n} | ${expected} |`);
	});

	it('lists the paired tests with direction, Holm and notes', () => {
		const t = analysis.paired[0]!.tests[0]!;
		expect(report).toContain(
			`| base vs ft | Accuracy | base < ft | ${t.n} | ${t.statistic!.toFixed(1)} | ${formatP(t.pValue)} | ${formatP(t.pHolm)} |`
		);
		expect(report).toContain('| ft vs ft-dpo | Accuracy | ft ≠ ft-dpo |');
		expect(report).toContain('Holm adjustment over the dimensions of each comparison');
	});

	it('includes Friedman, agreement, ROUGE, classification, correction and time sections', () => {
		for (const heading of [
			'## Friedman test',
			'## Inter-rater agreement',
			'### Weighted kappa per rater pair',
			'### Intra-rater agreement',
			'## ROUGE against reference letters',
			'### Treatment modality',
			'### ICD-10 code',
			'### ICD-10 category (3 characters)',
			'## Correction effort',
			'## Time per item'
		]) {
			expect(report).toContain(heading);
		}
		const base = analysis.classification.find(
			(c) => c.task === 'modality' && c.checkpoint === 'base'
		)!;
		const macro = base.report!.macro;
		expect(report).toContain(
			`| base | 8 | ${formatPercent(base.report!.accuracy)} | ${formatNumber(macro.precision, 3)} | ${formatNumber(macro.recall, 3)} | ${formatNumber(macro.f1, 3)} |`
		);
	});

	it('prints per-class precision, recall and F1 beside a confusion matrix whose rows add up', () => {
		// base: gold photon (odd cases) and proton (even); cases 0 and 1 say nothing, the rest
		// "protons". photon: 3 extracted as proton, 1 none; never extracted right: P = R = F1 = 0.
		// proton: 3 right, 1 none; P = 3/6, R = 3/4, F1 = 2·0.5·0.75/1.25 = 0.6.
		const section = report.slice(report.indexOf('**base** (n = 8)'));
		expect(section).toContain(
			'| Gold ↓ extracted → | photon | proton | not a gold class | no label found | n | Precision | Recall | F1 |'
		);
		expect(section).toContain('| photon | 0 | 3 | 0 | 1 | 4 | 0.000 | 0.000 | 0.000 |');
		expect(section).toContain('| proton | 0 | 3 | 0 | 1 | 4 | 0.500 | 0.750 | 0.600 |');
	});

	it('writes tables whose rows all have the header’s number of columns', () => {
		const lines = report.split('\n');
		let header = -1;
		for (const line of lines) {
			if (!line.startsWith('|')) {
				header = -1;
				continue;
			}
			if (header < 0) header = columns(line);
			else expect(columns(line), line).toBe(header);
		}
	});

	it('leaves out sections without data and never prints NaN or undefined', () => {
		const bare = analyzeStudy(ratings().slice(0, 12), [], [], {
			seed: 's',
			bootstrapReplicates: 20,
			dimensions: DIMENSIONS,
			checkpoints: ['base']
		});
		const text = renderMarkdownReport(bare, META);
		for (const absent of ['Paired', 'Friedman', 'ROUGE', 'Labels', 'Correction']) {
			expect(text).not.toContain(`## ${absent}`);
		}
		expect(text).toContain('## Time per item');
		for (const r of [report, text]) expect(r).not.toMatch(/NaN|undefined|null|Infinity/);
	});
});
