/**
 * Rules for likely direct patient identifiers in German and English clinical text (issue 13,
 * point 4). Pure: no I/O, no dictionary download; every rule is a regular expression shipped
 * here. A rule aims at identifiers of the patient, not of the clinicians who write and receive
 * letters: "Dr. M. Weber, Urology" names a colleague and is not flagged, "Herr Dr. Weber" or
 * "Patient: Prof. Weber" is. Initials ("Mr K. L.") and a birth year alone ("born 1958") are
 * what de-identified letters keep (HIPAA Safe Harbor keeps the year), so they are not flagged.
 */

export const PHI_KINDS = [
	'name',
	'birth-date',
	'phone',
	'email',
	'address',
	'insurance-number',
	'patient-id',
	'ssn',
	'mrn',
	'institution'
] as const;
export type PhiKind = (typeof PHI_KINDS)[number];

export const PHI_LABELS: Record<PhiKind, string> = {
	name: 'name with a title',
	'birth-date': 'date of birth',
	phone: 'phone number',
	email: 'e-mail address',
	address: 'street address',
	'insurance-number': 'health insurance number',
	'patient-id': 'patient or case number',
	ssn: 'US social security number',
	mrn: 'medical record number',
	institution: "the institution's own pattern"
};

/** A match inside one text: [start, end) in UTF-16 code units. */
export interface PhiSpan {
	kind: PhiKind;
	/** For institution patterns, the pattern's name from study.yaml. */
	rule?: string;
	start: number;
	end: number;
}

const L = 'A-ZÄÖÜ';
const l = 'a-zäöüßéèáàçñ';
/** A surname: capitalised, two or more letters, optionally double-barrelled. Not an initial. */
const SURNAME = `[${L}][${l}]+(?:-[${L}][${l}]+)?`;
/** Given names or initials that may sit between the title and the surname. */
const GIVEN = `(?:(?:[${L}][${l}]+|[${L}]\\.)\\s+){0,2}`;
const ACADEMIC = '(?:(?:Dr|Prof|PD)\\.(?:\\s*(?:med|rer\\.\\s*nat|phil)\\.)?\\s+){0,3}';
// A patient's salutation (with any academic titles after it), or a patient cue before a title.
const PATIENT_TITLE =
	'(?:\\b(?:Herrn?|Frau|Mrs?\\.?|Ms\\.?|Miss)\\s+' +
	ACADEMIC +
	'|\\b(?:Patient(?:in)?|Pat\\.|Pt\\.|patient)\\s*:?\\s+(?:Dr|Prof)\\.\\s+' +
	ACADEMIC +
	')';

/** Words a salutation is followed by in letters between colleagues ("Sehr geehrte Frau Kollegin"). */
const NOT_A_NAME =
	'(?!(?:Kolleg(?:e|in|en)|Doktor(?:in)?|Professor(?:in)?|Patient(?:in)?|Colleague|Doctor)\\b)';

const MONTHS_DE =
	'Januar|Februar|März|Maerz|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember';
const MONTHS_EN =
	'January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec';
/** A full calendar date (day, month and year), German, English or ISO. */
const FULL_DATE =
	'(?:\\d{1,2}\\.\\s?\\d{1,2}\\.\\s?(?:19|20)?\\d{2}' +
	'|\\d{1,2}/\\d{1,2}/(?:19|20)?\\d{2}' +
	'|(?:19|20)\\d{2}-\\d{2}-\\d{2}' +
	`|\\d{1,2}\\.?\\s+(?:${MONTHS_DE}|${MONTHS_EN})\\.?\\s+(?:19|20)\\d{2}` +
	`|(?:${MONTHS_EN})\\.?\\s+\\d{1,2},?\\s+(?:19|20)\\d{2})`;
const DOB_CUE =
	'(?:\\bgeb\\.|\\bgeboren(?:\\s+am)?|\\bGeburtsdatum|\\bGeb\\.-?Datum|\\bDOB|\\bD\\.O\\.B\\.|\\bdate\\s+of\\s+birth|\\bborn(?:\\s+on)?)';

const STREET_DE =
	`[${L}][${l}]+(?:-[${L}]?[${l}]+)*(?:straße|strasse|str\\.|weg|allee|gasse|platz|damm|chaussee)` +
	`|(?:[${L}][${l}]+(?:er)?\\s+)(?:Straße|Strasse|Str\\.|Weg|Allee|Gasse|Platz|Ring|Damm)`;
// Not "Dr." (a doctor far more often than a drive) nor "Way" or "Place" (ordinary words).
const STREET_EN =
	'Street|St\\.|Avenue|Ave\\.|Road|Rd\\.|Lane|Drive|Boulevard|Blvd\\.|Court|Terrace';

/** After a number's cue: punctuation, then an id of 5 to 20 characters with at least one digit. */
const ID_AFTER_CUE = '\\.?\\s*[:#]?\\s*#?\\s*(?=[A-Z-]*\\d)[A-Z0-9][A-Z0-9-]{4,19}';

interface Rule {
	kind: PhiKind;
	re: RegExp;
	/** The capture group that is the identifier (default: the whole match). */
	group?: number;
	/**
	 * A cheap test a text must pass before the rule runs: most fields hold no cue, and the full
	 * rule (case-insensitive alternations) costs far more per character than this test. It must
	 * match every text the rule matches (a part every match contains, spelled as loosely or more
	 * loosely), so that it changes how fast the scan is, never what it finds; `rules.test.ts`
	 * checks that against the rules without their cues.
	 */
	cue?: RegExp;
}

/**
 * The built-in rules. Each must stay linear on long text (no nested unbounded quantifiers):
 * cases are scanned line by line on import, up to the cases size limit.
 */
export const RULES: readonly Rule[] = [
	{
		kind: 'name',
		re: new RegExp(`(${PATIENT_TITLE}${NOT_A_NAME}${GIVEN}${SURNAME})`, 'gu'),
		group: 1,
		// Herr(n), Frau, Mr(s), Ms, Miss; Patient(in), Pat., Pt., patient (case as in the rule).
		cue: /Herr|Frau|M(?:r|s|iss)|Pat|Pt\.|patient/
	},
	{
		kind: 'birth-date',
		re: new RegExp(`(${DOB_CUE}\\s*:?\\s*${FULL_DATE})`, 'gi'),
		group: 1,
		// geb., Geb.-Datum, geboren, Geburtsdatum, DOB, D.O.B., date of birth, born.
		cue: /geb\.|geboren|geburtsdatum|dob|d\.o\.b\.|birth|born/i
	},
	{
		kind: 'email',
		cue: /@/,
		re: /\b[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}\b/g
	},
	{
		// Cued numbers (Tel., Telefon, Fax, Mobil, Handy, phone, call), international (+49 …) or
		// the North American (555) 123-4567 / 555-123-4567 forms.
		kind: 'phone',
		// The cue words, or the start of the other three forms.
		cue: /tel|fax|mobil|handy|phone|cell|\+\d|\(\d{3}\)|\d{3}-\d{3}/i,
		re: /(?:\b(?:Tel(?:efon)?|Fax|Mobil|Handy|Phone|Mobile|Cell)\.?\s*(?:Nr\.?|no\.?)?\s*:?\s*(?:\+\d{1,3}[\s/-]?)?\(?\d{2,5}\)?[\s/-]?\d{2,4}[\s/-]?\d{2,8}|\+\d{1,3}[\s-]?\(?\d{1,5}\)?[\s/-]?\d{2,4}[\s/-]?\d{2,8}|\(\d{3}\)\s?\d{3}-\d{4}\b|\b\d{3}-\d{3}-\d{4}\b)/gi
	},
	{
		kind: 'address',
		// A street word of STREET_DE (either case) and the house number after it.
		cue: /(?:stra(?:ße|sse)|str\.|weg|allee|gasse|platz|damm|chaussee|ring)\s?\d/i,
		re: new RegExp(`(?:\\b(?:${STREET_DE})\\s?\\d{1,4}\\s?[a-z]?\\b)`, 'gu')
	},
	{
		kind: 'address',
		cue: new RegExp(STREET_EN),
		re: new RegExp(`\\b\\d{1,5}\\s+(?:[${L}][a-z]+\\s+){1,3}(?:${STREET_EN})(?=\\W|$)`, 'gu')
	},
	// Krankenversichertennummer: one capital letter and nine digits (the last a check digit).
	{ kind: 'insurance-number', re: /\b[A-Z]\d{9}\b/g },
	{
		kind: 'patient-id',
		cue: /pat|pid|fall|aufnahme/i,
		re: new RegExp(
			`\\b(?:Pat(?:ienten)?[.-]{0,2}\\s?(?:Nr|ID|Nummer)|PID|Fall(?:nummer|-?Nr)|Aufnahme-?Nr|Patient\\s+(?:ID|number|no))\\b${ID_AFTER_CUE}`,
			'gi'
		)
	},
	{ kind: 'ssn', re: /\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g },
	{
		kind: 'mrn',
		// MRN, Medical record number|no, Med. Rec. No.
		cue: /mrn|record|rec\.?\s*no/i,
		re: new RegExp(
			`\\b(?:MRN|Medical\\s+record\\s+(?:number|no)|Med\\.?\\s*Rec\\.?\\s*No)\\b${ID_AFTER_CUE}`,
			'gi'
		)
	}
];

/** The institution's own patterns (study.yaml `phi.patterns`), compiled. */
export interface InstitutionPattern {
	name: string;
	re: RegExp;
}

/**
 * Calls `found` with each non-empty match of the global `re` in `text`, as `text.matchAll(re)`
 * would, without the copy of the RegExp that matchAll makes per call: a 10,000-case study is
 * hundreds of thousands of fields, and those copies were half the scan's time. `re` is left with
 * lastIndex 0 (exec resets it when it finds no more).
 */
function eachMatch(re: RegExp, text: string, found: (m: RegExpExecArray) => void): void {
	re.lastIndex = 0;
	for (let m = re.exec(text); m; m = re.exec(text)) {
		if (m[0] !== '') found(m);
		// An empty match: step past it (a whole code point in unicode mode), as matchAll does.
		else re.lastIndex = nextIndex(text, re.lastIndex, re.unicode || re.unicodeSets);
	}
}

/** AdvanceStringIndex of ECMA-262: one code unit, or a surrogate pair in unicode mode. */
function nextIndex(text: string, index: number, unicode: boolean): number {
	if (!unicode || index + 1 >= text.length) return index + 1;
	const high = text.charCodeAt(index);
	const low = text.charCodeAt(index + 1);
	return high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff ? index + 2 : index + 1;
}

/** Each pattern's global form, made once (eachMatch needs the g flag). */
const globalForms = new WeakMap<RegExp, RegExp>();
function globalOf(re: RegExp): RegExp {
	if (re.global) return re;
	let g = globalForms.get(re);
	if (!g) globalForms.set(re, (g = new RegExp(re.source, re.flags + 'g')));
	return g;
}

/**
 * Every likely identifier in `text`, by position, overlapping matches merged into the first
 * (so one identifier is reported once, by the rule that found it first in RULES order).
 */
export function findIdentifiers(
	text: string,
	institution: readonly InstitutionPattern[] = []
): PhiSpan[] {
	const spans: PhiSpan[] = [];
	for (const rule of RULES) {
		if (rule.cue && !rule.cue.test(text)) continue;
		eachMatch(globalOf(rule.re), text, (m) => {
			const part = m[rule.group ?? 0];
			if (!part) return;
			const start = m.index + m[0].indexOf(part);
			spans.push({ kind: rule.kind, start, end: start + part.length });
		});
	}
	for (const p of institution)
		eachMatch(globalOf(p.re), text, (m) =>
			spans.push({
				kind: 'institution',
				rule: p.name,
				start: m.index,
				end: m.index + m[0].length
			})
		);
	if (spans.length < 2) return spans;
	spans.sort((a, b) => a.start - b.start || b.end - a.end);
	const kept: PhiSpan[] = [];
	for (const s of spans) {
		const last = kept[kept.length - 1];
		if (last && s.start < last.end) continue;
		kept.push(s);
	}
	return kept;
}

/**
 * The identifier masked for messages: letters become •, digits #, everything else stays, so a
 * reader sees its shape ("•••• ••••••", "###-##-####") but never the identifier.
 */
export function maskIdentifier(value: string): string {
	return value.replace(/\p{L}/gu, '•').replace(/\p{N}/gu, '#');
}
