import { describe, expect, it } from 'vitest';
import reference from '../../../tests/fixtures/porter-reference.json';
import { PorterStemmer, porterStem, type PorterMode } from './porter-stemmer';

const modes = reference.modes as PorterMode[];

describe('porterStem', () => {
	it('uses nltk PorterStemmer() default mode, as rouge_score does', () => {
		expect(new PorterStemmer().mode).toBe('NLTK_EXTENSIONS');
	});

	it('follows the examples of Porter (1980)', () => {
		const paper: [string, string][] = [
			['caresses', 'caress'],
			['ponies', 'poni'],
			['cats', 'cat'],
			['feed', 'feed'],
			['agreed', 'agre'],
			['plastered', 'plaster'],
			['motoring', 'motor'],
			['hopping', 'hop'],
			['falling', 'fall'],
			['filing', 'file'],
			['relational', 'relat'],
			['generalizations', 'gener'],
			['adoption', 'adopt'],
			['controll', 'control']
		];
		for (const [word, stem] of paper) expect(porterStem(word, 'ORIGINAL_ALGORITHM')).toBe(stem);
	});

	it('applies the NLTK extensions only in NLTK mode', () => {
		expect(porterStem('dying')).toBe('die');
		expect(porterStem('dying', 'ORIGINAL_ALGORITHM')).toBe('dy');
		expect(porterStem('ties')).toBe('tie');
		expect(porterStem('ties', 'MARTIN_EXTENSIONS')).toBe('ti');
		expect(porterStem('is')).toBe('is');
		expect(porterStem('is', 'ORIGINAL_ALGORITHM')).toBe('i');
	});

	it('lowercases like nltk stem(word, to_lowercase=True)', () => {
		expect(porterStem('Treatments')).toBe('treatment');
	});

	it(`matches nltk ${reference.nltk} on ${reference.words.length} words in all three modes`, () => {
		const mismatches: string[] = [];
		for (const [word, ...stems] of reference.words) {
			modes.forEach((mode, k) => {
				const got = porterStem(word!, mode);
				if (got !== stems[k]) mismatches.push(`${mode} ${word}: ${got} ≠ ${stems[k]}`);
			});
		}
		expect(mismatches).toEqual([]);
		expect(reference.words.length).toBeGreaterThanOrEqual(2000);
	});
});
