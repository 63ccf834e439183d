import { z } from 'zod';
import { uniqueField } from './unique';
import { markSettingSchema } from './marks';
import {
	anchorsProblem,
	DEFAULT_POINTS,
	namedAnchors,
	parseScaleSpec,
	type ScaleSpec
} from './scales';

/** The scores of the default 4-point scale; 1 is worst, 4 is best (domain/scales.ts has the others). */
export const SCORES = [1, 2, 3, 4] as const;
export type Score = (typeof SCORES)[number];

const anchorSchema = z.string().trim().min(1).max(300);

/** `scale:` as written (domain/scales.ts); an invalid one is reported on the `scale` field. */
const scaleSpecSchema = z.unknown().transform((raw, ctx): ScaleSpec => {
	const checked = parseScaleSpec(raw);
	if (checked.ok) return checked.spec;
	ctx.addIssue({ code: 'custom', message: checked.message });
	return z.NEVER;
});

/**
 * One dimension of the form. Without `scale:` it has the default 4 anchored points, so every
 * form written before scales parses to the same value as before (no `scale` key is added, and
 * `scale: 4` is dropped as the default). A named scale without `anchors` gets its English ones.
 */
export const dimensionSchema = z
	.object({
		key: z
			.string()
			.regex(/^[a-z][a-z0-9_]*$/, 'must be lower_snake_case (letters, digits, underscores)')
			.max(40),
		label: z.string().trim().min(1).max(80),
		/** A one-sentence question shown above the anchors. */
		question: z.string().trim().max(300).default(''),
		/** Anchor texts for each score, lowest first (one per point; optional on a named scale). */
		anchors: z.array(anchorSchema).optional(),
		scale: scaleSpecSchema.optional()
	})
	.superRefine((d, ctx) => {
		const problem = anchorsProblem(d.scale, d.anchors);
		if (problem) ctx.addIssue({ code: 'custom', path: ['anchors'], message: problem });
	})
	.transform(({ scale, anchors, ...rest }): Dimension => {
		const spec = scale === DEFAULT_POINTS ? undefined : scale;
		const filled = anchors ?? (typeof spec === 'string' ? namedAnchors(spec) : []);
		return spec === undefined
			? { ...rest, anchors: filled }
			: { ...rest, anchors: filled, scale: spec };
	});

export const ratingFormSchema = z
	.object({
		dimensions: z.array(dimensionSchema).min(1, 'needs at least one dimension').max(20),
		/** Error marking in the letter (domain/marks.ts); absent: off. */
		marks: markSettingSchema.optional()
	})
	.superRefine(uniqueField('dimensions', 'key', 'dimension key'));

export interface Dimension {
	key: string;
	label: string;
	question: string;
	/** One label per score, lowest first (domain/scales.ts labels() localises named scales). */
	anchors: string[];
	/** Absent: the default 4 points. */
	scale?: ScaleSpec;
}
export type RatingForm = z.output<typeof ratingFormSchema>;

export function isScore(value: unknown): value is Score {
	return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 4;
}
