/**
 * The strings of the error-marking panel (LetterMarks.svelte and its parts), in English and
 * German (formal "Sie"), kept beside the feature rather than in i18n/messages.ts. Pure.
 */
import type { Locale } from '$lib/i18n/messages';

const en = {
	heading: 'Errors in the letter',
	help: 'Select a passage with the mouse, or focus the letter and use Shift+arrows, then press M (or the button) to mark it.',
	markSelection: 'Mark selected passage',
	addOmission: 'Add an omission',
	none: 'No errors marked.',
	passage: 'Passage',
	omitted: 'Missing from the letter',
	field: 'Source field',
	chooseField: 'Choose a field',
	category: 'Error category',
	chooseCategory: 'Choose a category',
	note: 'Note (optional)',
	harmExtent: 'Extent of possible harm',
	harmLikelihood: 'Likelihood of harm',
	notGraded: 'Not graded',
	save: 'Save mark',
	cancel: 'Cancel',
	edit: 'Edit',
	delete: 'Delete',
	letterLabel: 'Letter text: select a passage to mark an error',
	saving: 'Saving marks…',
	saved: 'Marks saved',
	offline: 'Offline: marks are kept on this device and sent when the connection is back',
	error: 'A mark was not saved'
};

type Strings = typeof en;

const de: Strings = {
	heading: 'Fehler im Brief',
	help: 'Markieren Sie eine Passage mit der Maus oder fokussieren Sie den Brief und nutzen Sie Umschalt+Pfeiltasten, dann drücken Sie M (oder die Schaltfläche).',
	markSelection: 'Markierte Passage erfassen',
	addOmission: 'Auslassung erfassen',
	none: 'Keine Fehler markiert.',
	passage: 'Passage',
	omitted: 'Fehlt im Brief',
	field: 'Feld der Quelle',
	chooseField: 'Feld wählen',
	category: 'Fehlerkategorie',
	chooseCategory: 'Kategorie wählen',
	note: 'Anmerkung (optional)',
	harmExtent: 'Ausmaß des möglichen Schadens',
	harmLikelihood: 'Wahrscheinlichkeit eines Schadens',
	notGraded: 'Nicht bewertet',
	save: 'Markierung speichern',
	cancel: 'Abbrechen',
	edit: 'Bearbeiten',
	delete: 'Löschen',
	letterLabel: 'Brieftext: markieren Sie eine Passage, um einen Fehler zu erfassen',
	saving: 'Markierungen werden gespeichert…',
	saved: 'Markierungen gespeichert',
	offline:
		'Offline: Markierungen bleiben auf diesem Gerät und werden gesendet, sobald die Verbindung zurück ist',
	error: 'Eine Markierung wurde nicht gespeichert'
};

export type MarkStringKey = keyof Strings;

export function markStrings(locale: Locale): Strings {
	return locale === 'de' ? de : en;
}
