import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors';
import {
	compileExtractionPattern,
	MAX_EXTRACTION_ENTRIES,
	MAX_EXTRACTION_PATTERN_LENGTH,
	MODALITY_KEYS,
	nestsQuantifiers
} from './extraction-settings';
import { MODALITIES, validateStudyFile } from './study-definition';

const anchors = ['a', 'b', 'c', 'd'];
const study = (extraction: unknown) => ({
	name: 'S',
	seed: 7,
	cases: 'cases.jsonl',
	form: { dimensions: [{ key: 'diagnosis', label: 'Diagnosis', anchors }] },
	checkpoints: [{ name: 'base', outputs: 'outputs/base.jsonl' }],
	analysis: { extraction }
});

function issuesOf(raw: unknown, lines: Record<string, number> = {}) {
	try {
		validateStudyFile(raw, 'studies/s/study.yaml', (p) => lines[p.join('.')]);
	} catch (e) {
		expect(e).toBeInstanceOf(ValidationError);
		return (e as ValidationError).issues;
	}
	throw new Error('expected a ValidationError');
}

describe('analysis.extraction in study.yaml', () => {
	it('accepts synonyms and patterns per language, markers and a window', () => {
		const s = validateStudyFile(
			study({
				modality: {
					strategy: 'count',
					languages: {
						en: { photon: { synonyms: ['x-ray therap*'], patterns: ['\\b6\\s?MV\\b'] } },
						'de-CH': { brachytherapy: { synonyms: ['Kontaktbestrahlung'] } }
					}
				},
				icd10: { markers: ['Diagnoseschlüssel'], markerWindow: 20 }
			}),
			'study.yaml'
		);
		expect(s.analysis?.extraction?.modality?.languages.en?.photon?.patterns).toEqual([
			'\\b6\\s?MV\\b'
		]);
		expect(s.analysis?.extraction?.icd10).toEqual({
			defaults: true,
			markers: ['Diagnoseschlüssel'],
			markerWindow: 20
		});
	});

	it('reports a bad regular expression as an issue on its line and field, not a crash', () => {
		const issues = issuesOf(
			study({ modality: { languages: { de: { photon: { patterns: ['ok', '(unclosed'] } } } } }),
			{ 'analysis.extraction.modality.languages.de.photon.patterns.1': 14 }
		);
		expect(issues).toEqual([
			{
				file: 'studies/s/study.yaml',
				line: 14,
				field: 'analysis.extraction.modality.languages.de.photon.patterns.1',
				message: expect.stringMatching(/^is not a valid regular expression \(/)
			}
		]);
		expect(issuesOf(study({ icd10: { markers: ['[z-a]'] } }))[0]!.field).toBe(
			'analysis.extraction.icd10.markers.0'
		);
	});

	it('refuses empty-matching and overlong patterns, unknown modalities and languages', () => {
		const fields = (extraction: unknown) =>
			issuesOf(study(extraction)).map((i) => `${i.field}: ${i.message}`);
		expect(fields({ icd10: { markers: ['x*'] } })).toEqual([
			'analysis.extraction.icd10.markers.0: matches the empty text; it must match at least one character'
		]);
		const long = 'a'.repeat(MAX_EXTRACTION_PATTERN_LENGTH + 1);
		expect(fields({ icd10: { markers: [long] } })[0]).toContain('is longer than 200 characters');
		expect(fields({ modality: { languages: { en: { carbon: { synonyms: ['C12'] } } } } })).toEqual([
			'analysis.extraction.modality.languages.en: Unrecognized key: "carbon"'
		]);
		expect(fields({ modality: { languages: { English: {} } } })).toEqual([
			'analysis.extraction.modality.languages.English: is not a language code (e.g. en, de, de-CH)'
		]);
		expect(fields({ modality: { priority: ['photon', 'photon'] } })).toEqual([
			'analysis.extraction.modality.priority.1: "photon" is listed twice'
		]);
		expect(fields({ modality: { languages: { en: { photon: { synonyms: ['*'] } } } } })).toEqual([
			'analysis.extraction.modality.languages.en.photon.synonyms.0: must contain a letter or digit'
		]);
	});

	it('refuses a repeated group that itself repeats (catastrophic backtracking)', () => {
		for (const nested of ['(a+)+', '(?:\\d+\\s?)*x', '((ab)*c)+', '(x{2,})+', '(?:[a-z]+,){2,}'])
			expect(nestsQuantifiers(nested), nested).toBe(true);
		for (const fine of [
			'\\b\\d{1,2}\\s?MV\\b',
			'(?:ab)+',
			'(?:\\d+\\s?)?Gy',
			'(a+){2}',
			'[(a+)]+',
			'\\(a+\\)+',
			'(?<![\\p{L}])Kontakt\\w*'
		])
			expect(nestsQuantifiers(fine), fine).toBe(false);
		const issues = issuesOf(study({ icd10: { markers: ['(?:ICD\\s*)+'] } }));
		expect(issues.map((i) => `${i.field}: ${i.message}`)).toEqual([
			'analysis.extraction.icd10.markers.0: repeats a group that itself repeats, as in (a+)+, which can take exponential time on a long letter; write it without the nesting'
		]);
	});

	it('bounds the number of entries', () => {
		const many = Array.from({ length: MAX_EXTRACTION_ENTRIES + 1 }, (_, i) => `word${i}`);
		const issues = issuesOf(
			study({ modality: { languages: { en: { photon: { synonyms: many } } } } })
		);
		expect(issues.map((i) => i.message)).toEqual([
			`has ${MAX_EXTRACTION_ENTRIES + 1} synonyms, patterns and markers; at most ${MAX_EXTRACTION_ENTRIES}`
		]);
		expect(issues[0]!.field).toBe('analysis.extraction');
	});

	it('compiles patterns case-insensitive and Unicode-aware', () => {
		const re = compileExtractionPattern('größe\\p{L}') as RegExp;
		expect(re.flags).toBe('giu');
		expect('GRÖSSE'.match(re)).toBeNull();
		expect('GRÖßEn'.match(re)).not.toBeNull();
	});

	it('knows the same modalities as the cases file', () => {
		expect([...MODALITY_KEYS]).toEqual([...MODALITIES]);
	});
});
