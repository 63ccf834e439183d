/**
 * Errors a rater marks in a letter (issue 17): the study's error taxonomy, as the form's
 * `marks:` gives it, and the check of one mark a rater sends. A mark is either
 *
 * - a span: a passage of the letter, as offsets into the letter text exactly as the rater sees it
 *   (after normalisation; UTF-16 code units as JavaScript counts them, end exclusive) together
 *   with the quoted text, which must equal the letter between those offsets; or
 * - an omission: no passage, the name of the case source field the letter leaves out (a dotted
 *   path into the source, e.g. `radiotherapy.total_dose_gy`).
 *
 * Each has a category of the taxonomy, an optional note and optionally the harm extent and
 * likelihood on the named scales of scales.ts. Pure: no I/O.
 */
import { z } from 'zod';
import { MARK_KINDS, type MarkKind } from './enums';
import { scaleOf, scoresText, isScoreOn } from './scales';
import { unstorableText } from './text-input';
import { uniqueField } from './unique';

export interface MarkCategory {
	key: string;
	/** The label in each language of the rater interface. */
	label: { en: string; de: string };
}

/** The form's `marks:` once parsed: marking is on, with these categories. */
export interface MarkSettings {
	categories: MarkCategory[];
}

/**
 * The default taxonomy: the error classes of Van Veen et al. (Nature Medicine 2024) and
 * Med-PaLM's "inappropriate content" (Singhal et al., Nature 2023), for clinical letters.
 */
export const DEFAULT_MARK_CATEGORIES: readonly MarkCategory[] = [
	{
		key: 'fabricated',
		label: {
			en: 'Fabricated content not in the source',
			de: 'Erfundener Inhalt, nicht in der Quelle'
		}
	},
	{
		key: 'wrong_diagnosis',
		label: { en: 'Wrong diagnosis, stage or code', de: 'Falsche Diagnose, Stadium oder Kodierung' }
	},
	{
		key: 'wrong_dose',
		label: {
			en: 'Wrong dose, fractionation or date',
			de: 'Falsche Dosis, Fraktionierung oder Datum'
		}
	},
	{
		key: 'inappropriate_recommendation',
		label: { en: 'Inappropriate recommendation', de: 'Unangemessene Empfehlung' }
	},
	{ key: 'other', label: { en: 'Other', de: 'Sonstiges' } }
];

const labelText = z.string().trim().min(1).max(120);

const categorySchema = z
	.object({
		key: z
			.string()
			.regex(/^[a-z][a-z0-9_]*$/, 'must be lower_snake_case (letters, digits, underscores)')
			.max(40),
		/** One label for every language, or one per language. */
		label: z.union([labelText, z.object({ en: labelText, de: labelText }).strict()])
	})
	.strict()
	.transform(({ key, label }): MarkCategory => ({
		key,
		label: typeof label === 'string' ? { en: label, de: label } : label
	}));

/**
 * The form's `marks:`: `true` turns marking on with the default taxonomy (kept as `true`, so a
 * form reads back as written); an object gives the study's own `categories` (key and label, the
 * label as text or as `{en, de}`). markSettings() resolves either.
 */
export const markSettingsSchema = z.union([
	z.literal(true),
	z
		.object({
			categories: z
				.array(categorySchema)
				.min(1, 'needs at least one category')
				.max(20, 'at most 20 categories')
		})
		.strict()
		.superRefine(uniqueField('categories', 'key', 'category key'))
]);
export type MarkSetting = z.output<typeof markSettingsSchema>;

/**
 * The form's `marks:` value checked alone, so that its issues name the exact field (a union
 * would report only `marks`): `true`, or the object.
 */
export const markSettingSchema = z.unknown().transform((raw, ctx): MarkSetting => {
	const parsed =
		raw === true ? markSettingsSchema.safeParse(raw) : markSettingsSchema.options[1].safeParse(raw);
	if (parsed.success) return parsed.data;
	for (const issue of parsed.error.issues)
		ctx.addIssue({
			code: 'custom',
			path: issue.path as (string | number)[],
			message:
				raw !== null && typeof raw === 'object'
					? issue.message
					: 'must be true (the default categories) or an object with "categories"'
		});
	return z.NEVER;
});

/** The taxonomy a form's `marks:` gives, or null when the form does not ask for marks. */
export function markSettings(form: { marks?: MarkSetting }): MarkSettings | null {
	if (!form.marks) return null;
	return {
		categories:
			form.marks === true ? structuredClone([...DEFAULT_MARK_CATEGORIES]) : form.marks.categories
	};
}

/** The longest note accepted (characters), and the longest passage one mark may quote. */
export const MAX_MARK_NOTE_LENGTH = 2000;
export const MAX_MARK_QUOTE_LENGTH = 20_000;
/** The most marks one rater may make on one letter. */
export const MAX_MARKS_PER_ITEM = 200;

/** A mark as a rater sends it and as they get it back: no id but their own. */
export interface MarkInput {
	kind: MarkKind;
	start: number | null;
	end: number | null;
	quote: string | null;
	field: string | null;
	category: string;
	note: string;
	harmExtent: number | null;
	harmLikelihood: number | null;
}

export interface Mark extends MarkInput {
	/** The id the rater's browser chose for the mark (a UUID). */
	id: string;
}

export interface MarkContext {
	/** The letter exactly as shown to the rater. */
	letter: string;
	source: Record<string, unknown>;
	settings: MarkSettings;
}

export type MarkIssue = { field: string; message: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isMarkId(value: unknown): value is string {
	return typeof value === 'string' && UUID.test(value);
}

/**
 * Every field of a case source a rater can name as omitted: the keys of its objects as dotted
 * paths, parents before children, in the source's order (lists are values, not fields).
 */
export function sourceFields(source: Record<string, unknown>, prefix = ''): string[] {
	const out: string[] = [];
	for (const [key, value] of Object.entries(source)) {
		const path = prefix ? `${prefix}.${key}` : key;
		out.push(path);
		if (value !== null && typeof value === 'object' && !Array.isArray(value))
			out.push(...sourceFields(value as Record<string, unknown>, path));
	}
	return out;
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;

function harm(
	issues: MarkIssue[],
	field: string,
	scale: 'harm-extent' | 'harm-likelihood',
	v: unknown
) {
	if (v === undefined || v === null) return null;
	const s = scaleOf(scale);
	if (isScoreOn(s, v)) return v;
	issues.push({ field, message: `must be ${scoresText(s)}, or null when not graded` });
	return null;
}

/**
 * Checks one mark as a rater sent it against the letter shown, the case source and the
 * taxonomy: the mark, or the issues (one per field) that refuse it.
 */
export function checkMark(
	raw: Record<string, unknown>,
	ctx: MarkContext
): { ok: true; mark: MarkInput } | { ok: false; issues: MarkIssue[] } {
	const issues: MarkIssue[] = [];
	const kind = raw.kind;
	if (typeof kind !== 'string' || !MARK_KINDS.includes(kind as MarkKind))
		return { ok: false, issues: [{ field: 'kind', message: 'must be "span" or "omission"' }] };
	const category = raw.category;
	if (typeof category !== 'string' || !ctx.settings.categories.some((c) => c.key === category))
		issues.push({
			field: 'category',
			message: `must be one of ${ctx.settings.categories.map((c) => c.key).join(', ')}`
		});
	let note = '';
	if (raw.note !== undefined && raw.note !== null) {
		if (typeof raw.note !== 'string') issues.push({ field: 'note', message: 'must be text' });
		else if (raw.note.length > MAX_MARK_NOTE_LENGTH)
			issues.push({ field: 'note', message: `is longer than ${MAX_MARK_NOTE_LENGTH} characters` });
		else {
			const bad = unstorableText(raw.note);
			if (bad) issues.push({ field: 'note', message: bad });
			else note = raw.note.replace(/\r\n?/g, '\n');
		}
	}
	const harmExtent = harm(issues, 'harmExtent', 'harm-extent', raw.harmExtent);
	const harmLikelihood = harm(issues, 'harmLikelihood', 'harm-likelihood', raw.harmLikelihood);
	const base = { category: category as string, note, harmExtent, harmLikelihood };
	if (kind === 'omission') {
		const fields = sourceFields(ctx.source);
		if (typeof raw.field !== 'string' || !fields.includes(raw.field))
			issues.push({ field: 'field', message: 'must name a field of the case source' });
		for (const k of ['start', 'end', 'quote'] as const)
			if (raw[k] !== undefined && raw[k] !== null)
				issues.push({ field: k, message: 'an omission has no passage' });
		if (issues.length) return { ok: false, issues };
		const field = raw.field as string;
		return {
			ok: true,
			mark: { kind, start: null, end: null, quote: null, field, ...base }
		};
	}
	const { start, end, quote } = raw;
	const n = ctx.letter.length;
	const whole = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
	if (!whole(start) || start < 0 || start >= n)
		issues.push({ field: 'start', message: `must be a whole number from 0 to ${n - 1}` });
	else if (!whole(end) || end <= start || end > n)
		issues.push({ field: 'end', message: `must be a whole number from ${start + 1} to ${n}` });
	else if (end - start > MAX_MARK_QUOTE_LENGTH)
		issues.push({
			field: 'end',
			message: `a mark spans at most ${MAX_MARK_QUOTE_LENGTH} characters`
		});
	else if (
		isHighSurrogate(ctx.letter.charCodeAt(end - 1)) ||
		(start > 0 && isHighSurrogate(ctx.letter.charCodeAt(start - 1)))
	)
		issues.push({ field: 'start', message: 'must not split a character' });
	else if (quote !== ctx.letter.slice(start, end))
		issues.push({ field: 'quote', message: 'must be the letter text between start and end' });
	if (raw.field !== undefined && raw.field !== null)
		issues.push({ field: 'field', message: 'only an omission names a source field' });
	if (issues.length) return { ok: false, issues };
	return {
		ok: true,
		mark: {
			kind: 'span',
			start: start as number,
			end: end as number,
			quote: quote as string,
			field: null,
			...base
		}
	};
}

/** Whether two marks say the same (a re-sent create changes nothing). */
export function sameMark(a: MarkInput, b: MarkInput): boolean {
	return (
		a.kind === b.kind &&
		a.start === b.start &&
		a.end === b.end &&
		a.quote === b.quote &&
		a.field === b.field &&
		a.category === b.category &&
		a.note === b.note &&
		a.harmExtent === b.harmExtent &&
		a.harmLikelihood === b.harmLikelihood
	);
}
