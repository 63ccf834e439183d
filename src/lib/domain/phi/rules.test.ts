/**
 * The scan's speed-ups (each rule's cue, one compiled RegExp reused for every text) must not
 * change what it finds: findIdentifiers is compared with the plain reading of the rules (no
 * cue, a fresh RegExp per text, matchAll) on the fixtures, the demo study and seeded random text
 * built from the rules' own pieces, identifiers at the very start and end of a field included.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { randomInt, seededRng } from '../random';
import { findIdentifiers, RULES, type InstitutionPattern, type PhiSpan } from './rules';

/** The scan as first written: every rule on every text, a RegExp copy per call, matchAll. */
function plainScan(text: string, institution: readonly InstitutionPattern[] = []): PhiSpan[] {
	const spans: PhiSpan[] = [];
	const run = (re: RegExp, make: (m: RegExpExecArray) => PhiSpan | undefined) => {
		const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
		for (const m of text.matchAll(g)) {
			if (m[0] === '') continue;
			const span = make(m as RegExpExecArray);
			if (span) spans.push(span);
		}
	};
	for (const rule of RULES)
		run(rule.re, (m) => {
			const part = m[rule.group ?? 0];
			if (!part) return undefined;
			const start = m.index + m[0].indexOf(part);
			return { kind: rule.kind, start, end: start + part.length };
		});
	for (const p of institution)
		run(p.re, (m) => ({
			kind: 'institution',
			rule: p.name,
			start: m.index,
			end: m.index + m[0].length
		}));
	spans.sort((a, b) => a.start - b.start || b.end - a.end);
	const kept: PhiSpan[] = [];
	for (const s of spans) if (!kept.length || s.start >= kept[kept.length - 1]!.end) kept.push(s);
	return kept;
}

const jsonLines = (file: string) =>
	fs
		.readFileSync(file, 'utf8')
		.split('\n')
		.filter(Boolean)
		.map((l) => JSON.parse(l) as unknown);

function strings(value: unknown): string[] {
	if (typeof value === 'string') return [value];
	if (Array.isArray(value)) return value.flatMap(strings);
	if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
	return [];
}

const fixtures = ['identifiers.jsonl', 'clean.jsonl'].flatMap((f) =>
	jsonLines(`tests/fixtures/phi/${f}`).map((r) => (r as { text: string }).text)
);
const demo = ['cases.jsonl', 'outputs/base.jsonl', 'outputs/finetuned.jsonl'].flatMap((f) =>
	jsonLines(`studies/demo/${f}`).flatMap(strings)
);

/** Pieces the rules are made of, their near misses, and what sits between words. */
const PIECES = [
	...fixtures,
	'Herr',
	'Herrn',
	'Frau',
	'Mr',
	'Mrs.',
	'Ms',
	'Miss',
	'Patient:',
	'Patientin',
	'Pat.',
	'Pt.',
	'patient',
	'Dr.',
	'Prof.',
	'PD',
	'med.',
	'rer. nat.',
	'Kollegin',
	'Klaus',
	'K.',
	'Meyer-Hofmann',
	'Müller',
	'Straße',
	'strasse',
	'Lindenstraße',
	'Berliner',
	'Str.',
	'Ring',
	'weg',
	'Allee',
	'Street',
	'St.',
	'Ave.',
	'Elm',
	'Road',
	'geb.',
	'GEB.',
	'geboren am',
	'Geburtsdatum',
	'DOB',
	'D.O.B.',
	'date of birth',
	'born on',
	'BORN',
	'12.03.1958',
	'03/12/58',
	'1958-03-12',
	'14 March 1961',
	'Mai',
	'Sept.',
	'Tel.',
	'TEL',
	'Telefon',
	'Fax',
	'Mobil',
	'Handy',
	'phone',
	'Cell',
	'Nr.',
	'no.',
	'+49',
	'(555)',
	'201-4433',
	'555-123-4567',
	'030',
	'4502',
	'7781',
	'a@b.de',
	'k.meyer@example-mail.de',
	'@',
	'A123456780',
	'Pat.-Nr.',
	'PID',
	'Fallnummer',
	'Aufnahme-Nr',
	'Patient ID',
	'MRN',
	'Medical record number',
	'Med. Rec. No',
	'2023-44871',
	'123-45-6789',
	'000-12-3456',
	'LH-2024-00017',
	'7',
	'12',
	'3a',
	'1958',
	'60 Gy',
	'ECOG 1',
	'😀',
	'é',
	'\u0000',
	'\t',
	'\n',
	' ',
	' ',
	':',
	', ',
	'.',
	'-',
	'/',
	'#',
	'(',
	')'
];

function randomText(rng: () => number): string {
	const parts: string[] = [];
	for (let n = 1 + randomInt(rng, 12); n > 0; n--) {
		const piece = PIECES[randomInt(rng, PIECES.length)]!;
		const cased = [piece, piece.toUpperCase(), piece.toLowerCase()][randomInt(rng, 3)]!;
		parts.push(cased, [' ', '', '\n', ' ', ': '][randomInt(rng, 5)]!);
	}
	return parts.join('').slice(0, 1 + randomInt(rng, 400));
}

const institution: InstitutionPattern[] = [
	{ name: 'study id', re: /LH-\d{4}-\d{5}/gmu },
	// Matches empty text in places: such matches are skipped, one whole code point at a time.
	{ name: 'empty in places', re: /(?=😀)|(?<=é)x?/gmu },
	{ name: 'line start', re: /^Fall\s\d+$/gm },
	{ name: 'not global', re: /Station \d[A-Z]/u }
];

describe('findIdentifiers finds what the plain reading of the rules finds', () => {
	const rng = seededRng('phi-rules');
	const random = Array.from({ length: 4000 }, () => randomText(rng));
	const edges = fixtures.flatMap((t) => [t, `${t}${demo[3]}`, `${demo[3]}${t}`, t.toUpperCase()]);
	const corpus = [...fixtures, ...demo, ...random, ...edges, '', 'Station 4B 😀é'];

	it('on fixtures, the demo study, seeded random text and identifiers at the edges', () => {
		const differences = corpus.filter(
			(t) =>
				JSON.stringify(findIdentifiers(t, institution)) !==
				JSON.stringify(plainScan(t, institution))
		);
		expect(differences).toEqual([]);
		// The corpus exercises every rule: the comparison is not between two empty lists.
		const kinds = new Set(
			corpus.flatMap((t) => findIdentifiers(t, institution).map((s) => s.kind))
		);
		expect(kinds.size).toBe(new Set(RULES.map((r) => r.kind)).size + 1);
	});

	it("each rule's cue matches every text its rule matches", () => {
		for (const rule of RULES.filter((r) => r.cue)) {
			const matched = corpus.filter((t) => new RegExp(rule.re.source, rule.re.flags).test(t));
			expect(
				matched.filter((t) => !rule.cue!.test(t)),
				rule.kind
			).toEqual([]);
		}
	});

	it('gives the same answer when called again (no state left in the shared RegExps)', () => {
		const text = 'Frau Schneider, Tel. 030 4502 7781, LH-2024-00017';
		const first = findIdentifiers(text, institution);
		expect(first.map((s) => s.kind)).toEqual(['name', 'phone', 'institution']);
		expect(findIdentifiers(text, institution)).toEqual(first);
		expect(RULES.every((r) => r.re.lastIndex === 0)).toBe(true);
	});
});
