import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractionSettingsSchema } from '../domain/extraction-settings';
import {
	DEFAULT_EXTRACTION_RULES,
	extractIcd10,
	extractionRulesOf,
	extractModality,
	modalityEvidence
} from './label-extraction';

const rulesOf = (raw: unknown) => extractionRulesOf(extractionSettingsSchema.parse(raw));

/** The demo base model's letter for DEMO-02 (breast, photons), which names no modality keyword. */
const demoLetter = (() => {
	const line = fs
		.readFileSync('studies/demo/outputs/base.jsonl', 'utf8')
		.split('\n')
		.find((l) => l.includes('"DEMO-02"'))!;
	return (JSON.parse(line) as { text: string }).text;
})();

describe('extractionRulesOf', () => {
	it('gives the built-in rules when the study has none', () => {
		expect(extractionRulesOf(undefined)).toBe(DEFAULT_EXTRACTION_RULES);
		expect(extractionRulesOf(null)).toBe(DEFAULT_EXTRACTION_RULES);
	});

	it('lets a study synonym find the modality of a fixture letter the defaults miss', () => {
		expect(extractModality(demoLetter)).toBeNull();
		const rules = rulesOf({
			modality: { languages: { en: { photon: { synonyms: ['deep-inspiration breath hold'] } } } }
		});
		expect(extractModality(demoLetter, rules.modality)).toBe('photon');
		// The built-in keywords stay: a letter they know is read as before.
		expect(extractModality('HDR brachytherapy, 4 x 7 Gy', rules.modality)).toBe('brachytherapy');
	});

	it('counts pattern hits per language, each place once', () => {
		const rules = rulesOf({
			modality: {
				languages: {
					en: { photon: { patterns: ['\\b\\d{1,2}\\s?MV\\b'] } },
					de: { brachytherapy: { synonyms: ['Kontaktbestrahlung'], patterns: ['Kontakt\\w+'] } }
				}
			}
		});
		const text = 'Kontaktbestrahlung der Vagina; danach 18 MV und 6MV Stehfelder.';
		expect(modalityEvidence(text).counts).toMatchObject({ photon: 0, brachytherapy: 0 });
		// The synonym and the pattern match the same word: one hit, not two.
		expect(modalityEvidence(text, rules.modality).counts).toMatchObject({
			photon: 2,
			brachytherapy: 1
		});
		expect(extractModality(text, rules.modality)).toBe('photon');
		expect(extractModality(text, { ...rules.modality, strategy: 'first' })).toBe('brachytherapy');
	});

	it('replaces the built-in keywords with `defaults: false`', () => {
		const rules = rulesOf({
			modality: { defaults: false, languages: { en: { proton: { synonyms: ['PBT'] } } } }
		});
		expect(extractModality('VMAT to the prostate', rules.modality)).toBeNull();
		expect(extractModality('PBT to the skull base', rules.modality)).toBe('proton');
	});

	it('takes a study’s ICD-10 markers, priority and window', () => {
		const letter = 'Diagnoseschlüssel: C53.0. Knochenmetastase (C79.5).';
		// By default the code in parentheses outranks an unlabelled subdivided code.
		expect(extractIcd10(letter)?.code).toBe('C79.5');
		const rules = rulesOf({ icd10: { markers: ['Diagnoseschlüssel:?'] } });
		expect(extractIcd10(letter, rules.icd10)).toMatchObject({ code: 'C53.0', evidence: 'marker' });
		const narrow = rulesOf({ icd10: { markers: ['Diagnoseschlüssel'], markerWindow: 0 } });
		expect(extractIcd10(letter, narrow.icd10)?.code).toBe('C79.5');
		const none = rulesOf({ icd10: { defaults: false } });
		expect(extractIcd10('ICD-10: C61; Prostata (C34.1)', none.icd10)?.code).toBe('C34.1');
		const priority = rulesOf({ modality: { priority: ['photon', 'proton'] } });
		expect(extractModality('IMRT or protons', priority.modality)).toBe('photon');
	});
});
