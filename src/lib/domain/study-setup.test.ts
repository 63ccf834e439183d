import fs from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ratingFormSchema } from './rating-form';
import { DEFAULT_FORM, newStudySchema } from './study-setup';

describe('study setup', () => {
	it('starts new studies with the demo study form, which is valid', () => {
		const demo = parse(fs.readFileSync('studies/demo/study.yaml', 'utf8')) as { form: unknown };
		expect(ratingFormSchema.parse(demo.form)).toEqual(DEFAULT_FORM);
	});

	it('refuses slugs that would not make a portable folder name', () => {
		const base = { name: 'N', seed: 's' };
		expect(newStudySchema.safeParse({ ...base, slug: 'lung-2026' }).success).toBe(true);
		for (const slug of ['Lung', 'lung 2026', '../x', '-x', ''])
			expect(newStudySchema.safeParse({ ...base, slug }).success).toBe(false);
	});
});
