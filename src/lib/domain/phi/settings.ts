/**
 * study.yaml `phi:`: whether the study's data are declared de-identified (the scan still runs
 * and reports, but does not stop an import), and the institution's own identifier patterns
 * (e.g. its patient number format), each a named regular expression validated like the
 * normalization patterns: a pattern that does not compile is an error on its field.
 */
import { z } from 'zod';
import { compileStudyPattern, MAX_STUDY_PATTERNS } from '../normalize';
import type { InstitutionPattern } from './rules';

export const phiSettingsSchema = z
	.object({
		deidentified: z.boolean().default(false),
		patterns: z
			.array(
				z
					.object({
						name: z.string().trim().min(1).max(80),
						pattern: z.string().superRefine((source, ctx) => {
							const re = compileStudyPattern(source);
							if (typeof re === 'string') ctx.addIssue({ code: 'custom', message: re });
							else if (re.test('')) ctx.addIssue({ code: 'custom', message: 'matches empty text' });
						})
					})
					.strict()
			)
			.max(MAX_STUDY_PATTERNS, `at most ${MAX_STUDY_PATTERNS} patterns`)
			.default([])
	})
	.strict();
export type PhiSettings = z.output<typeof phiSettingsSchema>;

/** The institution patterns of validated settings, compiled. */
export function institutionPatterns(
	settings: PhiSettings | null | undefined
): InstitutionPattern[] {
	return (settings?.patterns ?? []).map((p) => ({
		name: p.name,
		re: compileStudyPattern(p.pattern) as RegExp
	}));
}
