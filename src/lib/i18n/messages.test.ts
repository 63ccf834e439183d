import { describe, expect, expectTypeOf, it } from 'vitest';
import {
	LOCALES,
	MESSAGES,
	isLocale,
	localeFrom,
	pickLocale,
	sourceFieldLabel,
	sourceValueLabel,
	t,
	translator,
	type Message,
	type MessageKey,
	type MessageParams
} from './messages';

function placeholders(message: Message): string[] {
	const texts = typeof message === 'string' ? [message] : [message.one, message.other];
	const names = new Set<string>();
	for (const text of texts) for (const m of text.matchAll(/\{(\w+)\}/g)) names.add(m[1]!);
	if (typeof message !== 'string') names.add(message.plural);
	return [...names].sort();
}

const keys = Object.keys(MESSAGES.en) as MessageKey[];

describe('MESSAGES', () => {
	it('has the same keys, kinds and placeholders in every locale', () => {
		for (const locale of LOCALES) {
			expect(Object.keys(MESSAGES[locale]).sort()).toEqual([...keys].sort());
			for (const key of keys) {
				const en = MESSAGES.en[key] as Message;
				const other = MESSAGES[locale][key] as Message;
				expect(typeof other, key).toBe(typeof en);
				expect(placeholders(other), key).toEqual(placeholders(en));
				if (typeof en !== 'string' && typeof other !== 'string') {
					expect(other.plural, key).toBe(en.plural);
					expect(other.zero === undefined, key).toBe(en.zero === undefined);
				}
			}
		}
	});

	it('writes German formally, with real umlauts', () => {
		const german = JSON.stringify(MESSAGES.de);
		expect(german).not.toMatch(/\b(du|dich|dir|dein\w*|euch|euer)\b/i);
		expect(german).not.toMatch(/\b(Uebersicht|Naechst|Aenderung|ueberweis|schliess)/i);
		for (const word of ['Übersicht', 'Nächster', 'Änderungen', 'Überweisender', 'Abschließen'])
			expect(german).toContain(word);
		expect(t('de', 'nav.resume')).toContain('Sie');
	});

	it('uses the clinical German terms', () => {
		expect(sourceFieldLabel('de', 'referring_physician')).toBe('Überweisender Arzt');
		expect(sourceFieldLabel('de', 'prior_treatment')).toBe('Vorbehandlung');
		expect(sourceFieldLabel('de', 'total_dose_gy')).toBe('Gesamtdosis (Gy)');
		expect(sourceFieldLabel('de', 'dose_per_fraction_gy')).toBe('Einzeldosis (Gy)');
		expect(sourceFieldLabel('de', 'fractions')).toBe('Fraktionen');
	});

	it('has no empty or untrimmed strings', () => {
		for (const locale of LOCALES)
			for (const key of keys) {
				const m = MESSAGES[locale][key] as Message;
				const texts = typeof m === 'string' ? [m] : [m.one, m.other, m.zero ?? 'x'];
				for (const text of texts) {
					expect(text.trim(), `${locale} ${key}`).toBe(text);
					expect(text.length, `${locale} ${key}`).toBeGreaterThan(0);
				}
			}
	});
});

describe('t', () => {
	it('interpolates parameters', () => {
		expect(t('en', 'letter.title', { n: 3, total: 40 })).toBe('Letter 3 of 40');
		expect(t('de', 'letter.title', { n: 3, total: 40 })).toBe('Brief 3 von 40');
		expect(t('de', 'progress.scored', { done: 5, total: 12 })).toBe('5 von 12 bewertet');
		expect(t('en', 'error.reference', { id: 'a1b2' })).toBe('Reference: a1b2');
		expect(t('en', 'ratings.title')).toBe('Your ratings');
	});

	it('formats numbers for the locale', () => {
		expect(t('en', 'progress.scored', { done: 1234, total: 2000 })).toBe('Scored 1,234 of 2,000');
		expect(t('de', 'progress.scored', { done: 1234, total: 2000 })).toBe(
			'1.234 von 2.000 bewertet'
		);
	});

	it('picks plural forms, with a zero form where given', () => {
		expect(t('en', 'progress.timeLeft', { minutes: 1 })).toBe('About 1 minute left');
		expect(t('en', 'progress.timeLeft', { minutes: 25 })).toBe('About 25 minutes left');
		expect(t('en', 'progress.timeLeft', { minutes: 0 })).toBe('Less than a minute left');
		expect(t('de', 'progress.timeLeft', { minutes: 1 })).toBe('Noch etwa 1 Minute');
		expect(t('de', 'progress.timeLeft', { minutes: 7 })).toBe('Noch etwa 7 Minuten');
		expect(t('de', 'progress.lettersLeft', { count: 1 })).toBe('Noch 1 Brief');
		expect(t('de', 'progress.lettersLeft', { count: 2 })).toBe('Noch 2 Briefe');
		expect(t('en', 'progress.lettersLeft', { count: 0 })).toBe('No letters left');
	});

	it('checks keys and parameters at compile time', () => {
		expectTypeOf<MessageParams<'letter.title'>>().toEqualTypeOf<{
			readonly n: string | number;
			readonly total: string | number;
		}>();
		expectTypeOf<MessageParams<'progress.timeLeft'>>().toEqualTypeOf<{
			readonly minutes: string | number;
		}>();
		// @ts-expect-error: unknown key
		expect(() => t('en', 'no.such.key')).toThrow(/Unknown message key "no.such.key"/);
		// @ts-expect-error: missing parameter `total`
		expect(t('en', 'letter.title', { n: 1 })).toBe('Letter 1 of {total}');
		// @ts-expect-error: this message takes no parameters
		t('en', 'nav.next', { n: 1 });
	});
});

describe('pickLocale', () => {
	it.each([
		[null, 'en'],
		['', 'en'],
		['de', 'de'],
		['de-CH', 'de'],
		['de-AT,de;q=0.9,en;q=0.8', 'de'],
		['en-US,en;q=0.9,de;q=0.8', 'en'],
		['fr-FR,fr;q=0.9,de;q=0.7,en;q=0.5', 'de'],
		['en;q=0.5, de;q=0.8', 'de'],
		['de;q=0, *', 'en'],
		['en;q=0, *;q=0.1', 'de'],
		['*', 'en'],
		['fr, it', 'en'],
		['DE-de', 'de'],
		['de;q=abc, en;q=0.3', 'en'],
		['de;q=2, en', 'en'],
		['  de ; q = 0.9 ,en;q=0.8', 'de'],
		[';;,,', 'en']
	] as const)('%s → %s', (header, expected) => {
		expect(pickLocale(header)).toBe(expected);
	});

	it('respects the supported list and its order', () => {
		expect(pickLocale(null, ['de', 'en'])).toBe('de');
		expect(pickLocale('en', ['de'])).toBe('de');
		expect(pickLocale('fr, *', ['de', 'en'])).toBe('de');
	});

	it('recognises locales', () => {
		expect(isLocale('de')).toBe(true);
		expect(isLocale('fr')).toBe(false);
		expect(isLocale(undefined)).toBe(false);
	});
});

describe('sourceFieldLabel', () => {
	it('labels the common fields and makes others readable', () => {
		expect(sourceFieldLabel('en', 'icd10')).toBe('ICD-10');
		expect(sourceFieldLabel('en', 'start_date')).toBe('Start date');
		expect(sourceFieldLabel('de', 'radiotherapy')).toBe('Strahlentherapie');
		expect(sourceFieldLabel('de', 'performance_status')).toBe('Performance status');
		expect(sourceFieldLabel('en', 'empty')).toBe('Empty');
		expect(sourceFieldLabel('de', 'boost_dose_gy')).toBe('Boost dose (Gy)');
		expect(sourceFieldLabel('en', 'ml')).toBe('Ml');
	});
});

describe('sourceValueLabel', () => {
	it('translates modalities and marks empty values', () => {
		expect(sourceValueLabel('de', 'modality', 'photon')).toBe('Photonen');
		expect(sourceValueLabel('en', 'modality', 'proton')).toBe('Protons');
		expect(sourceValueLabel('de', 'modality', 'carbon')).toBe('carbon');
		expect(sourceValueLabel('de', 'technique', 'photon')).toBe('photon');
		expect(sourceValueLabel('de', 'fractions', 20)).toBe('20');
		expect(sourceValueLabel('de', 'notes', '')).toBe('Keine Angabe');
		expect(sourceValueLabel('en', 'notes', null)).toBe('Not given');
	});
});

describe('localeFrom', () => {
	it('prefers the remembered choice, then the browser', () => {
		expect(localeFrom('de', 'en-US,en')).toBe('de');
		expect(localeFrom('en', 'de-DE')).toBe('en');
		expect(localeFrom(undefined, 'de-DE,de;q=0.9')).toBe('de');
		expect(localeFrom('fr', 'de-AT')).toBe('de');
		expect(localeFrom(null, null)).toBe('en');
	});
});

describe('translator', () => {
	it('binds t to a locale', () => {
		const m = translator('de');
		expect(m('nav.next')).toBe('Nächster Brief');
		expect(m('letter.title', { n: 2, total: 6 })).toBe('Brief 2 von 6');
	});
});
