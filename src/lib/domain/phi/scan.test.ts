import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findIdentifiers, maskIdentifier, PHI_KINDS } from './rules';
import { findingIssue, scanRows } from './scan';
import { institutionPatterns, phiSettingsSchema } from './settings';

const lines = (file: string) =>
	fs
		.readFileSync(`tests/fixtures/phi/${file}`, 'utf8')
		.split('\n')
		.filter(Boolean)
		.map((l, i) => ({ line: i + 1, value: JSON.parse(l) as { kind?: string; text: string } }));

const institution = institutionPatterns(
	phiSettingsSchema.parse({ patterns: [{ name: 'study id', pattern: 'LH-\\d{4}-\\d{5}' }] })
);

describe('PHI rules', () => {
	const fixture = lines('identifiers.jsonl');

	it.each(fixture.map((r) => [r.line, r.value.kind!, r.value.text] as const))(
		'line %i: finds the %s',
		(_, kind, text) => {
			const spans = findIdentifiers(text, institution);
			expect(spans.map((s) => s.kind)).toEqual([kind]);
		}
	);

	it('the fixture covers every pattern class', () => {
		expect(new Set(fixture.map((r) => r.value.kind))).toEqual(new Set(PHI_KINDS));
	});

	it('finds nothing in clean clinical text (initials, birth years, doses, dates, colleagues)', () => {
		for (const { value } of lines('clean.jsonl'))
			expect(findIdentifiers(value.text, institution), value.text).toEqual([]);
	});

	it('spans cover the identifier: a name with its salutation and titles', () => {
		const text = 'Wir berichten über Herrn Dr. Klaus Meyer-Hofmann, der sich vorstellte.';
		const [span] = findIdentifiers(text);
		expect(text.slice(span!.start, span!.end)).toBe('Herrn Dr. Klaus Meyer-Hofmann');
	});

	it('masks letters and digits, keeping only the shape', () => {
		expect(maskIdentifier('Frau Müller')).toBe('•••• ••••••');
		expect(maskIdentifier('123-45-6789')).toBe('###-##-####');
	});
});

describe('scanRows', () => {
	const rows = [
		{
			line: 3,
			value: {
				id: 'C-1',
				source: { patient: 'Frau Schneider', notes: ['ok', 'SSN 123-45-6789'] },
				reference: 'Sehr geehrte Kollegin'
			}
		}
	];

	it('locates findings by file, line, field and span, and never names the identifier', () => {
		const findings = scanRows(rows, 'cases.jsonl');
		expect(findings.map((f) => [f.file, f.line, f.field, f.kind, f.start, f.end])).toEqual([
			['cases.jsonl', 3, 'source.patient', 'name', 0, 14],
			['cases.jsonl', 3, 'source.notes.1', 'ssn', 4, 15]
		]);
		const messages = findings.map((f) => JSON.stringify(findingIssue(f))).join('\n');
		expect(messages).not.toMatch(/Schneider|123-45-6789|6789/);
		expect(findingIssue(findings[0]!).message).toBe(
			'possible name with a title at characters 1–14 ("•••• •••••••••")'
		);
	});

	it('does not scan the case id, site or gold codes', () => {
		expect(scanRows([{ line: 1, value: { id: 'Herr Meier', source: { a: 'x' } } }], 'f')).toEqual(
			[]
		);
	});
});

describe('phi settings', () => {
	it('refuses a pattern that does not compile or matches empty text, naming the field', () => {
		const r = phiSettingsSchema.safeParse({
			patterns: [
				{ name: 'a', pattern: '(' },
				{ name: 'b', pattern: 'x*' }
			]
		});
		expect(r.success).toBe(false);
		expect(r.error!.issues.map((i) => i.path.join('.'))).toEqual([
			'patterns.0.pattern',
			'patterns.1.pattern'
		]);
	});

	it('defaults to not de-identified, without patterns', () => {
		expect(phiSettingsSchema.parse({})).toEqual({ deidentified: false, patterns: [] });
	});
});

describe('the demo study', () => {
	it.each(['cases.jsonl', 'outputs/base.jsonl', 'outputs/finetuned.jsonl'])(
		'%s has no finding (no false positive on synthetic, de-identified letters)',
		(file) => {
			const rows = fs
				.readFileSync(`studies/demo/${file}`, 'utf8')
				.split('\n')
				.map((text, i) => ({ line: i + 1, text }))
				.filter((r) => r.text.trim())
				.map((r) => ({ line: r.line, value: JSON.parse(r.text) as unknown }));
			expect(rows.length).toBeGreaterThan(10);
			expect(scanRows(rows, file).map(findingIssue)).toEqual([]);
		}
	);
});
