/**
 * The scale of one rating dimension, as the form's `scale:` gives it:
 *
 * - a number of anchored points, 2 to 7, scored 1 … points (the form gives one anchor per point,
 *   lowest first). Without `scale:` a dimension has 4 points, as every form had before scales.
 * - `yes-no`: a binary judgement coded 0 (no) and 1 (yes), so that a mean is the share of "yes".
 * - a named ordinal scale shipped with English and German anchors, scored 1 … k, lowest first:
 *   `harm-extent` (none; mild or moderate; severe or death) and `harm-likelihood` (low; medium;
 *   high), the two harm questions of Med-PaLM's physician evaluation (Singhal et al., Nature
 *   2023), derived from the AHRQ Common Formats harm scale.
 *
 * The database stores any score from 0 to 7 (ratings_score_check); the exact range of a
 * dimension is checked against its scale here (scoreProblem) when a score is saved.
 * Pure: no I/O.
 */

/** The languages named scales ship anchors in (the rater interface's, src/lib/i18n). */
export type ScaleLocale = 'en' | 'de';

export const MIN_POINTS = 2;
export const MAX_POINTS = 7;
/** The points of a dimension without `scale:`. */
export const DEFAULT_POINTS = 4;
/** The lowest and highest score any scale stores (the database check allows exactly these). */
export const LOWEST_SCORE = 0;
export const HIGHEST_SCORE = MAX_POINTS;

interface NamedScale {
	/** The score of the first category; the others follow one by one. */
	first: number;
	anchors: Record<ScaleLocale, readonly string[]>;
}

export const NAMED_SCALES = {
	'yes-no': { first: 0, anchors: { en: ['No', 'Yes'], de: ['Nein', 'Ja'] } },
	'harm-extent': {
		first: 1,
		anchors: {
			en: ['None', 'Mild or moderate', 'Severe or death'],
			de: ['Keiner', 'Leicht oder mittelschwer', 'Schwer oder Tod']
		}
	},
	'harm-likelihood': {
		first: 1,
		anchors: { en: ['Low', 'Medium', 'High'], de: ['Gering', 'Mittel', 'Hoch'] }
	}
} as const satisfies Record<string, NamedScale>;

export type ScaleName = keyof typeof NAMED_SCALES;
export const SCALE_NAMES = Object.keys(NAMED_SCALES) as ScaleName[];

/** A dimension's `scale:` as the form stores it: a number of points or a scale's name. */
export type ScaleSpec = number | ScaleName;

/** A scale resolved from its spec: what it is called and the scores it allows, in order. */
export interface Scale {
	kind: 'points' | ScaleName;
	/** Every score of the scale, lowest category first (consecutive integers). */
	scores: readonly number[];
}

function isScaleName(value: unknown): value is ScaleName {
	return typeof value === 'string' && Object.hasOwn(NAMED_SCALES, value);
}

const SPEC_HELP = `a number of points from ${MIN_POINTS} to ${MAX_POINTS}, or one of ${SCALE_NAMES.map((n) => `"${n}"`).join(', ')}`;

/**
 * Checks a `scale:` value from the form: the spec, or the message to show for that field
 * ("8 points" and unknown names are refused; a number given as text, e.g. "5", is not a spec).
 */
export function parseScaleSpec(
	raw: unknown
): { ok: true; spec: ScaleSpec } | { ok: false; message: string } {
	if (typeof raw === 'number') {
		if (Number.isInteger(raw) && raw >= MIN_POINTS && raw <= MAX_POINTS)
			return { ok: true, spec: raw };
		return { ok: false, message: `must be ${SPEC_HELP} (got ${raw})` };
	}
	if (isScaleName(raw)) return { ok: true, spec: raw };
	if (typeof raw === 'string') {
		return { ok: false, message: `unknown scale "${raw.slice(0, 40)}": use ${SPEC_HELP}` };
	}
	return { ok: false, message: `must be ${SPEC_HELP}` };
}

/** The scale a spec names; no spec means the default 4 points. Throws on an invalid spec. */
export function scaleOf(spec: ScaleSpec | undefined): Scale {
	const checked = parseScaleSpec(spec ?? DEFAULT_POINTS);
	if (!checked.ok) throw new RangeError(`scaleOf: ${checked.message}`);
	const s = checked.spec;
	if (typeof s === 'number') {
		return { kind: 'points', scores: Array.from({ length: s }, (_, i) => i + 1) };
	}
	const named = NAMED_SCALES[s];
	return {
		kind: s,
		scores: named.anchors.en.map((_, i) => named.first + i)
	};
}

/** k, the scale's number of categories (for kappa weights, alpha's domain, chart series). */
export function categories(scale: Scale): number {
	return scale.scores.length;
}

/** The lowest and highest valid score (every integer between them is valid). */
export function scoreRange(scale: Scale): { min: number; max: number } {
	return { min: scale.scores[0]!, max: scale.scores[scale.scores.length - 1]! };
}

export function isScoreOn(scale: Scale, value: unknown): value is number {
	const { min, max } = scoreRange(scale);
	return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** The anchors a named scale ships in `locale`, lowest category first. */
export function namedAnchors(name: ScaleName, locale: ScaleLocale = 'en'): string[] {
	return [...NAMED_SCALES[name].anchors[locale]];
}

/**
 * The label of each score, lowest first, for a dimension's scale and anchors. Anchored points
 * show the form's anchors (one language, as written). A named scale shows its shipped anchors
 * in `locale`, unless the form gave its own wording (anchors other than the English default).
 */
export function labels(scale: Scale, anchors: readonly string[], locale: ScaleLocale): string[] {
	if (scale.kind === 'points') return [...anchors];
	const english = NAMED_SCALES[scale.kind].anchors.en;
	const own = anchors.length > 0 && anchors.some((a, i) => a !== english[i]);
	return own ? [...anchors] : namedAnchors(scale.kind, locale);
}

/** "1, 2, 3, 4 or 5" / "0 (No) or 1 (Yes)": the valid scores, for error messages. */
export function scoresText(scale: Scale): string {
	const shown = scale.scores.map((s, i) =>
		scale.kind === 'points' ? String(s) : `${s} (${NAMED_SCALES[scale.kind].anchors.en[i]})`
	);
	return `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
}

/**
 * Why `value` is not a score on the scale (a message for the `score` field), or null when it
 * is one. The guard of the save path: the database only checks the widest range (0–7).
 */
export function scoreProblem(scale: Scale, value: unknown): string | null {
	return isScoreOn(scale, value) ? null : `must be ${scoresText(scale)}`;
}

/**
 * Why a dimension's anchors do not fit its scale (a message for the `anchors` field), or null.
 * Anchored points need exactly one anchor per point; a named scale needs none (it ships its
 * own) or exactly one per category (the study's own wording).
 */
export function anchorsProblem(
	spec: ScaleSpec | undefined,
	anchors: readonly string[] | undefined
): string | null {
	const scale = scaleOf(spec);
	const k = categories(scale);
	const got = anchors?.length ?? 0;
	if (scale.kind !== 'points') {
		if (anchors === undefined || got === k) return null;
		return `"${scale.kind}" has ${k} categories (${NAMED_SCALES[scale.kind].anchors.en.join('; ')}): give ${k} anchors or leave "anchors" out (got ${got})`;
	}
	if (got === k) return null;
	const base = `needs exactly ${k} anchors (1 to ${k})`;
	if (spec === undefined) {
		// The default scale: point at `scale:` when the anchors would fit another number of points.
		return got >= MIN_POINTS && got <= MAX_POINTS
			? `${base}; for a ${got}-point scale write "scale: ${got}"`
			: base;
	}
	return `${base} for "scale: ${k}" (got ${got})`;
}

/** The scales a form editor offers, as `scale:` values with a label each (4 points first). */
export const SCALE_CHOICES: { spec: ScaleSpec; label: string }[] = [
	{ spec: DEFAULT_POINTS, label: `${DEFAULT_POINTS} points` },
	...Array.from({ length: MAX_POINTS - MIN_POINTS + 1 }, (_, i) => MIN_POINTS + i)
		.filter((k) => k !== DEFAULT_POINTS)
		.map((k) => ({ spec: k, label: `${k} points` })),
	{ spec: 'yes-no', label: 'Yes / no' },
	{ spec: 'harm-extent', label: 'Harm extent (none; mild or moderate; severe or death)' },
	{ spec: 'harm-likelihood', label: 'Harm likelihood (low; medium; high)' }
];

/**
 * A dimension's `scale:` and anchors after a form editor picks `spec`: anchored points keep the
 * anchors written so far (cut or padded with empty ones to one per point); a named scale takes
 * its shipped English anchors. The default 4 points is no `scale:` at all, as in study.yaml.
 */
export function rescale(
	spec: ScaleSpec,
	anchors: readonly string[]
): { scale: ScaleSpec | undefined; anchors: string[] } {
	const scale = scaleOf(spec);
	if (scale.kind !== 'points') return { scale: spec, anchors: namedAnchors(scale.kind) };
	const k = categories(scale);
	const kept = Array.from({ length: k }, (_, i) => anchors[i] ?? '');
	return { scale: k === DEFAULT_POINTS ? undefined : k, anchors: kept };
}
