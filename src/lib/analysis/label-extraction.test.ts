import { describe, expect, it } from 'vitest';
import {
	DEFAULT_EXTRACTION_RULES,
	extractIcd10,
	extractLabels,
	extractModality,
	icd10Category,
	modalityEvidence,
	type ModalityRules
} from './label-extraction';

describe('icd10Category', () => {
	it('returns the 3-character category', () => {
		expect(icd10Category('C34.1')).toBe('C34');
		expect(icd10Category('C50')).toBe('C50');
		expect(icd10Category('c50.41')).toBe('C50');
		expect(icd10Category('D3A.0')).toBe('D3A');
		expect(icd10Category('C79.-')).toBe('C79');
		expect(icd10Category('lung')).toBeNull();
		expect(icd10Category('')).toBeNull();
	});
});

describe('extractIcd10', () => {
	it('finds a code in parentheses after the diagnosis', () => {
		const text = 'Diagnosis: NSCLC of the right upper lobe (C34.1), cT2a cN0 M0.';
		expect(extractIcd10(text)).toEqual({
			code: 'C34.1',
			category: 'C34',
			index: text.indexOf('C34.1'),
			evidence: 'parentheses'
		});
	});

	it('prefers a code labelled "ICD-10" over earlier codes', () => {
		const text = 'Brain metastases (C79.3) from breast cancer. ICD-10-GM: C50.4 L';
		expect(extractIcd10(text)).toMatchObject({ code: 'C50.4', evidence: 'marker' });
	});

	it('takes the first code among equals: the main diagnosis before metastases', () => {
		const text = 'Prostatakarzinom (C61), ossäre Metastasen (C79.5).';
		expect(extractIcd10(text)?.code).toBe('C61');
	});

	it('refines a category to a later, more specific code of the same category', () => {
		const text = 'Lung cancer (C34). Radiotherapy of C34.1 as planned.';
		expect(extractIcd10(text)).toMatchObject({ code: 'C34.1', evidence: 'parentheses' });
	});

	it('ignores dose-volume parameters that look like codes', () => {
		const text = 'Constraints met: V20 < 30 %, D95 ≥ 95%, V107% 0, D50 = 2 Gy, V5Gy 40.';
		expect(extractIcd10(text)).toBeNull();
		expect(extractIcd10('Lung V20 < 25 %. Diagnosis C34.9.')?.code).toBe('C34.9');
	});

	it('does not match inside words, TNM stages, mutations or U codes', () => {
		expect(extractIcd10('CD20-positive, cT3bN2, EGFR T790M, L858R, U07.1, pT2 pN1')).toBeNull();
	});

	it('prefers a subdivided code over a bare 3-character one', () => {
		expect(extractIcd10('Plan B12 reviewed, diagnosis C71.1')?.code).toBe('C71.1');
		expect(extractIcd10('Diagnose C71')).toMatchObject({ code: 'C71', evidence: 'bare' });
	});

	it('returns null without a code', () => {
		expect(extractIcd10('Sehr geehrte Kollegin, vielen Dank für die Zuweisung.')).toBeNull();
		expect(extractIcd10('')).toBeNull();
	});

	it('accepts overridden rules', () => {
		const rules = { ...DEFAULT_EXTRACTION_RULES.icd10, notFollowedBy: /^$/u };
		expect(extractIcd10('V20 < 30 %', rules)?.code).toBe('V20');
	});
});

describe('extractModality', () => {
	it('recognises English and German vocabulary', () => {
		expect(extractModality('Treatment with VMAT, 60 Gy in 30 fractions.')).toBe('photon');
		expect(extractModality('Bestrahlung am Linearbeschleuniger mit 6-MV-Photonen.')).toBe('photon');
		expect(extractModality('Stereotaktische Radiotherapie (SBRT) 3 x 15 Gy')).toBe('photon');
		expect(extractModality('3D-CRT of the whole breast')).toBe('photon');
		expect(extractModality('Pencil-beam scanning proton therapy (PBS)')).toBe('proton');
		expect(extractModality('Protonentherapie in Essen')).toBe('proton');
		expect(extractModality('Boost with 9 MeV electrons')).toBe('electron');
		expect(extractModality('Elektronenbestrahlung der Narbe')).toBe('electron');
		expect(extractModality('HDR brachytherapy, 4 x 7 Gy')).toBe('brachytherapy');
		expect(extractModality('Afterloading-Therapie der Vagina')).toBe('brachytherapy');
		expect(extractModality('LDR-Seed-Implantation der Prostata')).toBe('brachytherapy');
	});

	it('does not match inside other words', () => {
		// "electronic" is not "electron"; "elektronisch" is not "Elektronen".
		expect(extractModality('Electronic health record, elektronische Akte')).toBeNull();
		expect(extractModality('Interstitial lung disease was excluded.')).toBeNull();
	});

	it('picks the modality with the most hits, ties by priority', () => {
		const text = 'Protons were discussed. We treated with IMRT; IMRT was well tolerated.';
		expect(modalityEvidence(text).counts).toEqual({
			photon: 2,
			proton: 1,
			electron: 0,
			brachytherapy: 0
		});
		expect(extractModality(text)).toBe('photon');
		// One photon and one brachytherapy mention: the tie goes to brachytherapy.
		expect(extractModality('External beam (VMAT) followed by an HDR boost')).toBe('brachytherapy');
	});

	it('supports the priority and first strategies and custom vocabularies', () => {
		const text = 'IMRT, IMRT, then protons';
		const base = DEFAULT_EXTRACTION_RULES.modality;
		expect(extractModality(text, { ...base, strategy: 'priority' })).toBe('proton');
		expect(extractModality(text, { ...base, strategy: 'first' })).toBe('photon');
		const carbon: ModalityRules = {
			...base,
			keywords: { ...base.keywords, carbon: ['carbon ion*', 'Kohlenstoffion*'] }
		};
		expect(extractModality('Kohlenstoffionen-Therapie in Heidelberg', carbon)).toBe('carbon');
	});

	it('returns null when nothing matches', () => {
		expect(extractModality('Radiotherapy of the prostate bed, 66 Gy.')).toBeNull();
	});
});

describe('extractLabels', () => {
	it('extracts both labels from a German letter', () => {
		const letter = [
			'Diagnose: Mammakarzinom links (ICD-10: C50.4), pT1c pN0 M0.',
			'Therapie: adjuvante Radiotherapie der Brust mit Photonen in VMAT-Technik,',
			'40,05 Gy in 15 Fraktionen; V20 < 10 % der ipsilateralen Lunge.'
		].join('\n');
		const labels = extractLabels(letter);
		expect(labels.icd10?.code).toBe('C50.4');
		expect(labels.modality).toBe('photon');
	});
});
