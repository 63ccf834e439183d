import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { issuesOf } from '../../../tests/support/issues';
import { validateStudyFile } from './study-definition';
import { ratingFormSchema } from './rating-form';
import {
	checkMark,
	DEFAULT_MARK_CATEGORIES,
	markSettingSchema,
	markSettings,
	sourceFields,
	type MarkContext
} from './marks';

const dimensions = [{ key: 'diagnosis', label: 'Diagnosis', anchors: ['a', 'b', 'c', 'd'] }];

describe('the form’s marks: setting', () => {
	it('is off without it, and a form without it parses as before', () => {
		const form = ratingFormSchema.parse({ dimensions });
		expect(form).not.toHaveProperty('marks');
	});

	it('turns on the default taxonomy, in English and German', () => {
		const form = ratingFormSchema.parse({ dimensions, marks: true });
		expect(form.marks).toBe(true);
		const settings = markSettings(form)!;
		expect(settings.categories).toEqual(DEFAULT_MARK_CATEGORIES);
		expect(settings.categories.every((c) => c.label.en && c.label.de)).toBe(true);
		expect(markSettings(ratingFormSchema.parse({ dimensions }))).toBeNull();
	});

	it('takes a study’s own categories, one label or one per language', () => {
		const parsed = markSettingSchema.parse({
			categories: [
				{ key: 'laterality', label: { en: 'Wrong side', de: 'Falsche Seite' } },
				{ key: 'style', label: 'Style' }
			]
		});
		expect(parsed !== true && parsed.categories).toEqual([
			{ key: 'laterality', label: { en: 'Wrong side', de: 'Falsche Seite' } },
			{ key: 'style', label: { en: 'Style', de: 'Style' } }
		]);
	});

	it('names the field of each problem', () => {
		const r = ratingFormSchema.safeParse({
			dimensions,
			marks: {
				categories: [
					{ key: 'Bad Key', label: 'x' },
					{ key: 'dup', label: 'x' },
					{ key: 'dup', label: { en: 'x' } }
				]
			}
		});
		expect(r.success).toBe(false);
		const paths = r.error!.issues.map((i) => i.path.join('.'));
		expect(paths).toContain('marks.categories.0.key');
		expect(paths).toContain('marks.categories.2.label');
		expect(ratingFormSchema.safeParse({ dimensions, marks: { categories: [] } }).success).toBe(
			false
		);
		const yes = ratingFormSchema.safeParse({ dimensions, marks: 'yes' });
		expect(yes.error?.issues[0]?.message).toMatch(/must be true/);
	});
});

describe('study.yaml with its own taxonomy', () => {
	it('names file, line and field of a bad category', () => {
		const raw = parseYaml(readFileSync('studies/demo/study.yaml', 'utf8'));
		raw.form.marks = {
			categories: [
				{ key: 'ok', label: 'Fine' },
				{ key: 'Not OK', label: 'x' }
			]
		};
		const lines: string[] = [];
		const issues = issuesOf(() =>
			validateStudyFile(raw, 'study.yaml', (p) => {
				lines.push(p.join('.'));
				return 42;
			})
		);
		expect(issues).toEqual([
			{
				file: 'study.yaml',
				line: 42,
				field: 'form.marks.categories.1.key',
				message: 'must be lower_snake_case (letters, digits, underscores)'
			}
		]);
		expect(lines).toEqual(['form.marks.categories.1.key']);
	});
});

describe('sourceFields', () => {
	it('lists object keys as dotted paths, parents first, lists as values', () => {
		expect(sourceFields({ a: 1, rt: { dose: 60, dates: ['x'] }, l: [{ x: 1 }] })).toEqual([
			'a',
			'rt',
			'rt.dose',
			'rt.dates',
			'l'
		]);
	});
});

describe('checkMark', () => {
	const ctx: MarkContext = {
		letter: 'Dose 60 Gy in 20 fractions 🙂 end.',
		source: { radiotherapy: { total_dose_gy: 60 } },
		settings: { categories: [...DEFAULT_MARK_CATEGORIES] }
	};

	it('accepts a passage whose quote is the letter between its offsets', () => {
		const r = checkMark(
			{ kind: 'span', start: 5, end: 10, quote: '60 Gy', category: 'wrong_dose' },
			ctx
		);
		expect(r).toEqual({
			ok: true,
			mark: {
				kind: 'span',
				start: 5,
				end: 10,
				quote: '60 Gy',
				field: null,
				category: 'wrong_dose',
				note: '',
				harmExtent: null,
				harmLikelihood: null
			}
		});
	});

	it('refuses a passage that splits a character made of two code units', () => {
		const at = ctx.letter.indexOf('🙂');
		const r = checkMark(
			{
				kind: 'span',
				start: 0,
				end: at + 1,
				quote: ctx.letter.slice(0, at + 1),
				category: 'other'
			},
			ctx
		);
		expect(r.ok).toBe(false);
	});

	it('accepts an omission of a nested source field with harm grades', () => {
		const r = checkMark(
			{
				kind: 'omission',
				field: 'radiotherapy.total_dose_gy',
				category: 'other',
				harmExtent: 3,
				harmLikelihood: 1
			},
			ctx
		);
		expect(r.ok && r.mark).toMatchObject({ field: 'radiotherapy.total_dose_gy', harmExtent: 3 });
	});

	it('reports every bad field at once', () => {
		const r = checkMark(
			{ kind: 'omission', field: 'nope', category: 'x', harmExtent: 9, start: 1 },
			ctx
		);
		expect(r.ok ? [] : r.issues.map((i) => i.field)).toEqual([
			'category',
			'harmExtent',
			'field',
			'start'
		]);
	});
});
