import { describe, expect, it } from 'vitest';
import { checkExtraction, renderExtractionCheck } from './extraction-check';
import { DEFAULT_EXTRACTION_RULES } from './label-extraction';

const inputs = [
	{
		code: 'Q2',
		caseId: 'c1',
		text: 'Prostate cancer (ICD-10 C61), VMAT 70 Gy.',
		goldModality: 'photon',
		goldIcd10: 'c61'
	},
	{ code: null, caseId: 'c2', text: 'No details.', goldModality: 'Proton', goldIcd10: 'C41.0' },
	{
		code: 'A7',
		caseId: 'c2',
		text: 'Chordoma (C41.1), proton therapy.',
		goldModality: 'proton',
		goldIcd10: 'C41.0'
	},
	{ code: 'M1', caseId: 'c3', text: 'HDR brachytherapy.', goldModality: null, goldIcd10: null }
];

describe('checkExtraction', () => {
	const check = checkExtraction(inputs, DEFAULT_EXTRACTION_RULES);

	it('orders outputs by code, those without one last', () => {
		expect(check.lines.map((l) => l.code)).toEqual(['A7', 'M1', 'Q2', null]);
	});

	it('compares with gold as the analysis does, null where a case has no gold label', () => {
		expect(check.lines[0]!.hit).toEqual({ modality: true, icd10: false, icd10Category: true });
		expect(check.lines[1]!.hit).toEqual({ modality: null, icd10: null, icd10Category: null });
		expect(check.lines[2]).toMatchObject({
			gold: { modality: 'photon', icd10: 'C61' },
			extracted: { modality: 'photon', icd10: 'C61', evidence: 'marker' }
		});
		expect(check.lines[3]!.extracted).toEqual({ modality: null, icd10: null, evidence: null });
	});

	it('pools hit rates over every output with a gold label', () => {
		expect(check.rates.modality).toEqual({ compared: 3, found: 2, correct: 2 });
		expect(check.rates.icd10).toEqual({ compared: 3, found: 2, correct: 1 });
		expect(check.rates.icd10Category).toEqual({ compared: 3, found: 2, correct: 2 });
	});

	it('prints one line per output and the rates', () => {
		const text = renderExtractionCheck(check, {
			study: 's',
			rules: 'the built-in defaults',
			round: 'R1'
		});
		expect(text).toContain('study "s", round "R1": 4 outputs by blinded code');
		expect(text).toMatch(/^A7 +c2 +proton → proton ✓ +C41\.0 → C41\.1 ✗ \(parentheses\)$/m);
		expect(text).toMatch(/^M1 +c3 +– → brachytherapy +– → none$/m);
		expect(text).toMatch(/^\(no round\) +c2 +proton → none ✗ +C41\.0 → none ✗$/m);
		expect(text).toContain('  modality         2 of 3 (66.7%); nothing found in 1');
		expect(text).toContain('  ICD-10 code      1 of 3 (33.3%); nothing found in 1');
	});
});
