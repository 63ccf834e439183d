/**
 * A study's own label-extraction rules (study.yaml `analysis.extraction:`), on top of or instead
 * of the built-in ones (DEFAULT_EXTRACTION_RULES in src/lib/analysis/label-extraction.ts, which
 * turns these settings into rules with `extractionRulesOf`). Validated like every study field: a
 * bad regular expression, an unknown modality or too many entries is an issue naming its field.
 */
import { z } from 'zod';

/** The gold modalities (study-definition.ts MODALITIES, which imports this file; a test keeps them equal). */
export const MODALITY_KEYS = ['photon', 'proton', 'electron', 'brachytherapy'] as const;

/** Flags of every study extraction pattern: case-insensitive, Unicode (`g` is added to search). */
export const EXTRACTION_PATTERN_FLAGS = 'iu';
export const MAX_EXTRACTION_PATTERN_LENGTH = 200;
export const MAX_SYNONYM_LENGTH = 100;
/** Synonyms and patterns of all languages and modalities together, and ICD-10 markers. */
export const MAX_EXTRACTION_ENTRIES = 400;
export const MAX_EXTRACTION_LANGUAGES = 10;

/**
 * A study pattern compiled with EXTRACTION_PATTERN_FLAGS plus `g`, or why it cannot be used: too
 * long, not a regular expression, or matching the empty text (it would count a hit everywhere).
 */
export function compileExtractionPattern(source: string): RegExp | string {
	if (source.length > MAX_EXTRACTION_PATTERN_LENGTH)
		return `is longer than ${MAX_EXTRACTION_PATTERN_LENGTH} characters`;
	let re: RegExp;
	try {
		re = new RegExp(source, EXTRACTION_PATTERN_FLAGS + 'g');
	} catch (e) {
		return `is not a valid regular expression (${(e as Error).message})`;
	}
	if (re.test('')) return 'matches the empty text; it must match at least one character';
	if (nestsQuantifiers(source))
		return 'repeats a group that itself repeats, as in (a+)+, which can take exponential time on a long letter; write it without the nesting';
	re.lastIndex = 0;
	return re;
}

/**
 * Whether a group containing a quantifier is itself repeated without bound ("star height" above
 * one: `(a+)+`, `(?:\\d+\\s?)*`, `(x{2,})+`), the usual shape of catastrophic backtracking.
 * The analysis runs study patterns in the server, so such a pattern is refused. Escapes and
 * character classes are skipped; `?` and bounded `{n}`/`{n,m}` around a group are allowed.
 */
export function nestsQuantifiers(source: string): boolean {
	const inner: boolean[] = [false];
	let i = 0;
	const unbounded = (at: number) =>
		source[at] === '+' || source[at] === '*' || /^\{\d+,\}/.test(source.slice(at));
	const quantifier = (at: number) => unbounded(at) || /^\{\d+,\d+\}/.test(source.slice(at));
	while (i < source.length) {
		const c = source[i]!;
		if (c === '\\') i += 2;
		else if (c === '[') {
			i++;
			while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
			i++;
		} else if (c === '(') {
			inner.push(false);
			i++;
		} else if (c === ')') {
			const had = inner.pop() ?? false;
			i++;
			if (had && unbounded(i)) return true;
			if (inner.length === 0) inner.push(false);
			inner[inner.length - 1] ||= had || quantifier(i);
		} else {
			if (quantifier(i)) inner[inner.length - 1] = true;
			i++;
		}
	}
	return false;
}

const patternSchema = z.string().superRefine((source, ctx) => {
	const re = compileExtractionPattern(source);
	if (typeof re === 'string') ctx.addIssue({ code: 'custom', message: re });
});

const synonymSchema = z
	.string()
	.trim()
	.max(MAX_SYNONYM_LENGTH)
	.refine((s) => /[\p{L}\p{N}]/u.test(s), 'must contain a letter or digit');

const wordsSchema = z
	.object({
		/** Words and phrases, as the built-in keywords: whole words, a trailing * continues. */
		synonyms: z.array(synonymSchema).default([]),
		/** Regular expressions (flags i and u); each match is a hit. */
		patterns: z.array(patternSchema).default([])
	})
	.strict();

const modalityKey = z.enum(MODALITY_KEYS);

export const extractionSettingsSchema = z
	.object({
		modality: z
			.object({
				/** Keep the built-in keywords (true) and add these, or use only these (false). */
				defaults: z.boolean().default(true),
				strategy: z.enum(['count', 'priority', 'first']).optional(),
				priority: z.array(modalityKey).optional(),
				/**
				 * Per language (a code such as en, de or de-CH), per modality: synonyms and patterns.
				 * Languages only group the words; every language's rules apply to every letter.
				 */
				languages: z.record(z.string(), z.partialRecord(modalityKey, wordsSchema)).default({})
			})
			.strict()
			.optional(),
		icd10: z
			.object({
				/** Keep the built-in "ICD-10" marker (true) and add these, or use only these. */
				defaults: z.boolean().default(true),
				/** Regular expressions for text that labels a code, e.g. 'Diagnoseschlüssel'. */
				markers: z.array(patternSchema).default([]),
				/** Characters allowed between the end of a marker and the code. */
				markerWindow: z.number().int().min(0).max(200).optional()
			})
			.strict()
			.optional()
	})
	.strict()
	.superRefine((s, ctx) => {
		const languages = Object.keys(s.modality?.languages ?? {});
		if (languages.length > MAX_EXTRACTION_LANGUAGES)
			ctx.addIssue({
				code: 'custom',
				path: ['modality', 'languages'],
				message: `at most ${MAX_EXTRACTION_LANGUAGES} languages`
			});
		for (const code of languages)
			if (!/^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(code))
				ctx.addIssue({
					code: 'custom',
					path: ['modality', 'languages', code],
					message: 'is not a language code (e.g. en, de, de-CH)'
				});
		const entries =
			(s.icd10?.markers.length ?? 0) +
			Object.values(s.modality?.languages ?? {})
				.flatMap((byModality) => Object.values(byModality))
				.reduce((a, w) => a + (w?.synonyms.length ?? 0) + (w?.patterns.length ?? 0), 0);
		if (entries > MAX_EXTRACTION_ENTRIES)
			ctx.addIssue({
				code: 'custom',
				message: `has ${entries} synonyms, patterns and markers; at most ${MAX_EXTRACTION_ENTRIES}`
			});
		const priority = s.modality?.priority ?? [];
		priority.forEach((m, i) => {
			if (priority.indexOf(m) !== i)
				ctx.addIssue({
					code: 'custom',
					path: ['modality', 'priority', i],
					message: `"${m}" is listed twice`
				});
		});
	});
export type ExtractionSettings = z.output<typeof extractionSettingsSchema>;
