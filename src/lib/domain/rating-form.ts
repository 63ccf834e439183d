import { z } from 'zod';
import { uniqueField } from './unique';

/** The four scores of every scale; 1 is worst, 4 is best. */
export const SCORES = [1, 2, 3, 4] as const;
export type Score = (typeof SCORES)[number];

export const dimensionSchema = z.object({
	key: z
		.string()
		.regex(/^[a-z][a-z0-9_]*$/, 'must be lower_snake_case (letters, digits, underscores)')
		.max(40),
	label: z.string().trim().min(1).max(80),
	/** A one-sentence question shown above the anchors. */
	question: z.string().trim().max(300).default(''),
	/** Anchor texts for scores 1, 2, 3 and 4, in that order. */
	anchors: z.array(z.string().trim().min(1).max(300)).length(4, 'needs exactly 4 anchors (1 to 4)')
});

export const ratingFormSchema = z
	.object({
		dimensions: z.array(dimensionSchema).min(1, 'needs at least one dimension').max(20)
	})
	.superRefine(uniqueField('dimensions', 'key', 'dimension key'));

export type Dimension = z.output<typeof dimensionSchema>;
export type RatingForm = z.output<typeof ratingFormSchema>;

export function isScore(value: unknown): value is Score {
	return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 4;
}
