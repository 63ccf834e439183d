// Over 300 lines: the strings of two languages; the code is a few lines.
/**
 * Every string the rater interface shows, in English and German (formal "Sie"), with a typed `t`.
 *
 * English is the reference: its keys define `MessageKey`, and its `{placeholders}` define which
 * parameters `t` requires, so a missing German key, an unknown key or a missing parameter is a
 * compile error. German must use the same placeholders (checked in the tests). Pure: no I/O,
 * usable on the server and in the browser.
 */

export const LOCALES = ['en', 'de'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

/**
 * A message that depends on a number: `zero` (optional) when it is 0, otherwise the locale's
 * plural category (English and German only have `one` and `other`).
 */
export interface PluralMessage {
	/** Name of the parameter whose value picks the form. */
	readonly plural: string;
	readonly zero?: string;
	readonly one: string;
	readonly other: string;
}
export type Message = string | PluralMessage;

const en = {
	'app.name': 'blindeval',

	'ratings.title': 'Your ratings',
	'ratings.letter': 'Letter {n}',
	'ratings.comparison': 'Comparison {n}',
	'ratings.scored': 'Scored',
	'ratings.notFinished': 'Not finished',
	'ratings.closed': 'This round is closed: your scores are shown read-only.',
	'letter.title': 'Letter {n} of {total}',
	'letter.code': 'Code {code}',
	'letter.heading': 'Letter',
	'case.heading': 'Case',
	'scores.heading': 'Your scores',
	'scores.missing': 'Please score every dimension to continue.',
	'scores.complete': 'Every dimension is scored: press Enter for the next letter.',

	'progress.scored': 'Scored {done} of {total}',
	'progress.timeLeft': {
		plural: 'minutes',
		zero: 'Less than a minute left',
		one: 'About {minutes} minute left',
		other: 'About {minutes} minutes left'
	},
	'progress.lettersLeft': {
		plural: 'count',
		zero: 'No letters left',
		one: '{count} letter left',
		other: '{count} letters left'
	},

	'save.saving': 'Saving…',
	'save.saved': 'All changes saved',
	'save.offline': 'Offline: your scores are kept and will be sent when the connection returns',
	'save.error': 'Not saved',
	'save.retry': 'Try again',

	'nav.previous': 'Previous letter',
	'nav.next': 'Next letter',
	'nav.finish': 'Finish',
	'nav.overview': 'Overview',
	'nav.resume': 'Continue where you left off',

	'comment.label': 'Comment (optional)',
	'comment.toggle': 'Comment',
	'comment.about': 'Comment on “{dimension}” (optional)',
	'comment.overall': 'Overall comment',
	'comment.overallHint': 'Anything else about this letter (optional).',
	'correction.label': 'Corrected letter (optional)',
	'correction.open': 'Write a corrected version',
	'correction.hint':
		'Edit the letter as you would send it. Changes are saved automatically; an unchanged letter counts as no correction.',
	'correction.none': 'No corrected version.',
	'correction.reset': 'Reset to the original letter',

	'round.locked': 'This round is locked: your scores are shown read-only.',
	'round.lockedChange': 'This round is locked: changes can no longer be saved.',
	'round.complete': 'Thank you: you have scored every letter of this round.',
	'round.none':
		'No round is open for you yet. Please come back when your coordinator tells you it has started.',
	'link.invalid':
		'Your rating link is missing or no longer valid. Please open the link you were sent.',
	'link.otherRater':
		'This browser has since opened another rater’s link. Please open your own link again: your unsent changes are kept in this browser.',
	'error.notFound': 'Not found',
	'error.itemNotFound': 'This letter was not found. Please go back to your overview.',
	'error.badRequest': 'The change could not be saved: the request was not valid.',
	'error.generic': 'Something went wrong',
	'error.reference': 'Reference: {id}',

	'keys.help':
		'The number keys give the score shown on each answer of the focused dimension; ↑/↓ or Tab move between dimensions; Enter opens the next letter once every dimension is scored.',
	'keys.more': 'C opens the comment of the focused dimension; Esc leaves a text field.',

	'pair.question': 'Which letter is better?',
	'pair.left': 'Left',
	'pair.right': 'Right',
	'pair.tie': 'Tie',
	'pair.overall': 'Overall',
	'pair.leftLetter': 'Left letter',
	'pair.rightLetter': 'Right letter',
	'pair.title': 'Comparison {n} of {total}',
	'pair.heading': 'Your choices',
	'pair.leftBetter': 'The left letter is better',
	'pair.tieAnchor': 'Both are equally good',
	'pair.rightBetter': 'The right letter is better',
	'pair.keys':
		'Keys 1 (left better), 2 (equally good) and 3 (right better) choose for the focused dimension; ↑/↓ or Tab move between dimensions; Enter opens the next comparison once every dimension is chosen.',

	'language.label': 'Language',
	// Language names are autonyms in every locale, so a rater finds their own language.
	'language.en': 'English',
	'language.de': 'Deutsch',

	'source.empty': 'Not given',
	'source.patient': 'Patient',
	'source.referring_physician': 'Referring physician',
	'source.diagnosis': 'Diagnosis',
	'source.icd10': 'ICD-10',
	'source.tnm': 'TNM',
	'source.histology': 'Histology',
	'source.prior_treatment': 'Prior treatment',
	'source.radiotherapy': 'Radiotherapy',
	'source.modality': 'Modality',
	'source.technique': 'Technique',
	'source.target': 'Target',
	'source.total_dose_gy': 'Total dose (Gy)',
	'source.fractions': 'Fractions',
	'source.dose_per_fraction_gy': 'Dose per fraction (Gy)',
	'source.start_date': 'Start date',
	'source.end_date': 'End date',
	'source.concurrent_therapy': 'Concurrent therapy',
	'source.notes': 'Notes',

	'modality.photon': 'Photons',
	'modality.proton': 'Protons',
	'modality.electron': 'Electrons',
	'modality.brachytherapy': 'Brachytherapy'
} as const satisfies Record<string, Message>;

export type MessageKey = keyof typeof en;

/** A locale's dictionary: every English key, plural where English is plural. */
export type Messages = {
	readonly [K in MessageKey]: (typeof en)[K] extends string ? string : PluralMessage;
};

const de: Messages = {
	'app.name': 'blindeval',

	'ratings.title': 'Ihre Bewertungen',
	'ratings.letter': 'Brief {n}',
	'ratings.comparison': 'Vergleich {n}',
	'ratings.scored': 'Bewertet',
	'ratings.notFinished': 'Nicht abgeschlossen',
	'ratings.closed':
		'Diese Runde ist abgeschlossen: Ihre Bewertungen werden schreibgeschützt angezeigt.',
	'letter.title': 'Brief {n} von {total}',
	'letter.code': 'Code {code}',
	'letter.heading': 'Brief',
	'case.heading': 'Fall',
	'scores.heading': 'Ihre Bewertung',
	'scores.missing': 'Bitte bewerten Sie alle Dimensionen, um fortzufahren.',
	'scores.complete': 'Alle Dimensionen sind bewertet: Mit Enter öffnen Sie den nächsten Brief.',

	'progress.scored': '{done} von {total} bewertet',
	'progress.timeLeft': {
		plural: 'minutes',
		zero: 'Noch weniger als eine Minute',
		one: 'Noch etwa {minutes} Minute',
		other: 'Noch etwa {minutes} Minuten'
	},
	'progress.lettersLeft': {
		plural: 'count',
		zero: 'Keine Briefe mehr offen',
		one: 'Noch {count} Brief',
		other: 'Noch {count} Briefe'
	},

	'save.saving': 'Wird gespeichert…',
	'save.saved': 'Alle Änderungen gespeichert',
	'save.offline':
		'Offline: Ihre Bewertungen bleiben erhalten und werden gesendet, sobald die Verbindung wieder besteht',
	'save.error': 'Nicht gespeichert',
	'save.retry': 'Erneut versuchen',

	'nav.previous': 'Vorheriger Brief',
	'nav.next': 'Nächster Brief',
	'nav.finish': 'Abschließen',
	'nav.overview': 'Übersicht',
	'nav.resume': 'Dort weitermachen, wo Sie aufgehört haben',

	'comment.label': 'Kommentar (optional)',
	'comment.toggle': 'Kommentar',
	'comment.about': 'Kommentar zu „{dimension}“ (optional)',
	'comment.overall': 'Gesamtkommentar',
	'comment.overallHint': 'Weitere Anmerkungen zu diesem Brief (optional).',
	'correction.label': 'Korrigierter Brief (optional)',
	'correction.open': 'Korrigierte Fassung schreiben',
	'correction.hint':
		'Bearbeiten Sie den Brief so, wie Sie ihn versenden würden. Änderungen werden automatisch gespeichert; ein unveränderter Brief gilt als keine Korrektur.',
	'correction.none': 'Keine korrigierte Fassung.',
	'correction.reset': 'Auf den ursprünglichen Brief zurücksetzen',

	'round.locked': 'Diese Runde ist gesperrt: Ihre Bewertungen werden schreibgeschützt angezeigt.',
	'round.lockedChange':
		'Diese Runde ist gesperrt: Änderungen können nicht mehr gespeichert werden.',
	'round.complete': 'Vielen Dank: Sie haben alle Briefe dieser Runde bewertet.',
	'round.none':
		'Für Sie ist noch keine Runde geöffnet. Bitte schauen Sie wieder vorbei, sobald Ihnen die Studienkoordination den Beginn mitteilt.',
	'link.invalid':
		'Ihr Bewertungslink fehlt oder ist nicht mehr gültig. Bitte öffnen Sie den Link, den Sie erhalten haben.',
	'link.otherRater':
		'In diesem Browser wurde inzwischen der Link einer anderen Person geöffnet. Bitte öffnen Sie erneut Ihren eigenen Link: Ihre noch nicht gesendeten Änderungen bleiben in diesem Browser erhalten.',
	'error.notFound': 'Nicht gefunden',
	'error.itemNotFound':
		'Dieser Brief wurde nicht gefunden. Bitte kehren Sie zu Ihrer Übersicht zurück.',
	'error.badRequest': 'Die Änderung konnte nicht gespeichert werden: Die Anfrage war ungültig.',
	'error.generic': 'Etwas ist schiefgelaufen',
	'error.reference': 'Referenz: {id}',

	'keys.help':
		'Die Zifferntasten geben die Bewertung, die bei jeder Antwort der ausgewählten Dimension steht; ↑/↓ oder Tab wechseln zwischen den Dimensionen; Enter öffnet den nächsten Brief, sobald alle Dimensionen bewertet sind.',
	'keys.more': 'C öffnet den Kommentar zur ausgewählten Dimension; Esc verlässt ein Textfeld.',

	'pair.question': 'Welcher Brief ist besser?',
	'pair.left': 'Links',
	'pair.right': 'Rechts',
	'pair.tie': 'Gleich gut',
	'pair.overall': 'Gesamturteil',
	'pair.leftLetter': 'Linker Brief',
	'pair.rightLetter': 'Rechter Brief',
	'pair.title': 'Vergleich {n} von {total}',
	'pair.heading': 'Ihre Wahl',
	'pair.leftBetter': 'Der linke Brief ist besser',
	'pair.tieAnchor': 'Beide sind gleich gut',
	'pair.rightBetter': 'Der rechte Brief ist besser',
	'pair.keys':
		'Die Tasten 1 (links besser), 2 (gleich gut) und 3 (rechts besser) wählen für die ausgewählte Dimension; ↑/↓ oder Tab wechseln zwischen den Dimensionen; Enter öffnet den nächsten Vergleich, sobald für alle Dimensionen gewählt ist.',

	'language.label': 'Sprache',
	'language.en': 'English',
	'language.de': 'Deutsch',

	'source.empty': 'Keine Angabe',
	'source.patient': 'Patient',
	'source.referring_physician': 'Überweisender Arzt',
	'source.diagnosis': 'Diagnose',
	'source.icd10': 'ICD-10',
	'source.tnm': 'TNM',
	'source.histology': 'Histologie',
	'source.prior_treatment': 'Vorbehandlung',
	'source.radiotherapy': 'Strahlentherapie',
	'source.modality': 'Modalität',
	'source.technique': 'Technik',
	'source.target': 'Zielvolumen',
	'source.total_dose_gy': 'Gesamtdosis (Gy)',
	'source.fractions': 'Fraktionen',
	'source.dose_per_fraction_gy': 'Einzeldosis (Gy)',
	'source.start_date': 'Behandlungsbeginn',
	'source.end_date': 'Behandlungsende',
	'source.concurrent_therapy': 'Begleittherapie',
	'source.notes': 'Anmerkungen',

	'modality.photon': 'Photonen',
	'modality.proton': 'Protonen',
	'modality.electron': 'Elektronen',
	'modality.brachytherapy': 'Brachytherapie'
};

export const MESSAGES = { en, de } satisfies Record<Locale, Messages>;

type Placeholders<S> = S extends `${string}{${infer P}}${infer Rest}`
	? P | Placeholders<Rest>
	: never;
type ZeroForm<M> = M extends { readonly zero: infer Z } ? Z : never;
type ParamNames<M> = M extends string
	? Placeholders<M>
	: M extends { readonly plural: infer P; readonly one: infer O; readonly other: infer X }
		? P | Placeholders<O | X | ZeroForm<M>>
		: never;

/** The parameters a message needs, from its English `{placeholders}` (and plural parameter). */
export type MessageParams<K extends MessageKey> = {
	readonly [P in ParamNames<(typeof en)[K]>]: string | number;
};

/** `t`'s trailing argument: none for a message without placeholders, else its parameters. */
type ParamsArg<K extends MessageKey> = [ParamNames<(typeof en)[K]>] extends [never]
	? []
	: [params: MessageParams<K>];

const pluralRules = new Map<Locale, Intl.PluralRules>();
const numberFormats = new Map<Locale, Intl.NumberFormat>();

function cached<T>(map: Map<Locale, T>, locale: Locale, make: () => T): T {
	let value = map.get(locale);
	if (value === undefined) map.set(locale, (value = make()));
	return value;
}

/**
 * The message `key` in `locale`, with `{name}` placeholders replaced by `params` (numbers are
 * formatted for the locale, e.g. 1,234 or 1.234). A plural message picks `zero` for 0 when it has
 * one, else the form for the locale's plural category of its `plural` parameter. A placeholder
 * without a value stays visible as `{name}` (the types prevent that; it shows up if they are
 * bypassed).
 *
 * @throws Error for a key that does not exist (also prevented by the types).
 */
export function t<K extends MessageKey>(locale: Locale, key: K, ...args: ParamsArg<K>): string {
	const params: Readonly<Record<string, string | number>> = args[0] ?? {};
	const message: Message | undefined = MESSAGES[locale]?.[key] ?? MESSAGES[DEFAULT_LOCALE][key];
	// Only reachable past the types (a key from untyped data); fail loudly rather than show blanks.
	if (message === undefined) throw new Error(`Unknown message key "${key}"`);
	let text: string;
	if (typeof message === 'string') text = message;
	else {
		const n = Number(params[message.plural]);
		const category = cached(pluralRules, locale, () => new Intl.PluralRules(locale)).select(n);
		text =
			n === 0 && message.zero !== undefined
				? message.zero
				: category === 'one'
					? message.one
					: message.other;
	}
	const numbers = cached(numberFormats, locale, () => new Intl.NumberFormat(locale));
	return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
		const value = params[name];
		if (value === undefined) return whole;
		return typeof value === 'number' ? numbers.format(value) : value;
	});
}

/** Whether `value` is a supported locale. */
export function isLocale(value: unknown): value is Locale {
	return (LOCALES as readonly unknown[]).includes(value);
}

/**
 * The best supported locale for an HTTP Accept-Language header (RFC 9110 §12.5.4): language
 * ranges are tried by descending q-value (ties keep header order); a range matches a locale
 * exactly or by its primary subtag ("de-CH" → "de"), "*" matches the first supported locale, and
 * q=0 means "not acceptable". Without a match (or header) the first of `supported` is returned.
 */
export function pickLocale(
	acceptLanguage: string | null,
	supported: readonly Locale[] = LOCALES
): Locale {
	const fallback = supported[0] ?? DEFAULT_LOCALE;
	if (!acceptLanguage) return fallback;
	const ranges: { tag: string; q: number; index: number }[] = [];
	acceptLanguage.split(',').forEach((part, index) => {
		const [rawTag, ...paramParts] = part.split(';');
		const tag = rawTag?.trim().toLowerCase() ?? '';
		if (!/^(\*|[a-z]{1,8}(-[a-z0-9]{1,8})*)$/.test(tag)) return;
		let q = 1;
		for (const param of paramParts) {
			const [name, value] = param.split('=').map((x) => x.trim());
			if (name?.toLowerCase() !== 'q') continue;
			// RFC 9110 qvalue: 0 to 1 with at most three decimals; anything else drops the range.
			if (!value || !/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value)) return;
			q = Number(value);
		}
		ranges.push({ tag, q, index });
	});
	ranges.sort((a, b) => b.q - a.q || a.index - b.index);
	const refused = new Set(ranges.filter((r) => r.q === 0).map((r) => r.tag));
	const acceptable = supported.filter((l) => !refused.has(l));
	for (const { tag, q } of ranges) {
		if (q === 0) continue;
		if (tag === '*') {
			if (acceptable[0]) return acceptable[0];
			continue;
		}
		const exact = acceptable.find((l) => l === tag);
		if (exact) return exact;
		const primary = tag.split('-')[0];
		const byPrimary = acceptable.find((l) => l === primary);
		if (byPrimary) return byPrimary;
	}
	return fallback;
}

/**
 * Label for a case's source field: the translated label for the common fields (`patient`,
 * `total_dose_gy`, …), otherwise the key made readable ("performance_status" → "Performance
 * status", "boost_dose_gy" → "Boost dose (Gy)"), since study files may carry fields of their own.
 */
export function sourceFieldLabel(locale: Locale, field: string): string {
	const key = `source.${field}`;
	if (key in en && key !== 'source.empty') return t(locale, key as SourceFieldKey);
	const parts = field.split(/[_\s-]+/).filter(Boolean);
	const unit = UNITS[parts.at(-1)?.toLowerCase() ?? ''];
	const words = (unit && parts.length > 1 ? parts.slice(0, -1) : parts).join(' ');
	const text = words.charAt(0).toUpperCase() + words.slice(1);
	return unit && parts.length > 1 ? `${text} (${unit})` : text;
}

/** Unit suffixes of field names ("volume_ml" → "Volume (ml)"). */
const UNITS: Readonly<Record<string, string>> = { gy: 'Gy', mm: 'mm', cm: 'cm', ml: 'ml' };

type SourceFieldKey = Extract<MessageKey, `source.${string}`>;

/** The cookie that remembers a rater's language choice (readable by the page's switch). */
export const LOCALE_COOKIE = 'be_lang';

/**
 * The rater's locale: the remembered choice (`be_lang` cookie) when it names a supported locale,
 * otherwise the best match for the browser's Accept-Language header (see `pickLocale`).
 */
export function localeFrom(
	cookie: string | null | undefined,
	acceptLanguage: string | null
): Locale {
	return isLocale(cookie) ? cookie : pickLocale(acceptLanguage);
}

/** `t` bound to one locale, for templates: `m('nav.next')`. */
export function translator(locale: Locale) {
	return <K extends MessageKey>(key: K, ...args: ParamsArg<K>): string => t(locale, key, ...args);
}

/**
 * A source value as raters read it: the translated name of a radiotherapy modality
 * ("photon" → "Photonen"), "Not given" for an empty value, anything else unchanged.
 */
export function sourceValueLabel(locale: Locale, field: string, value: unknown): string {
	if (value === null || value === undefined || value === '') return t(locale, 'source.empty');
	const text = String(value);
	const key = `modality.${text}`;
	if (field === 'modality' && key in en) return t(locale, key as ModalityKey);
	return text;
}

type ModalityKey = Extract<MessageKey, `modality.${string}`>;
