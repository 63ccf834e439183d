/**
 * The form a study created in the browser starts with: the demo study's six anchored dimensions
 * (studies/demo/study.yaml), which cover a physician letter after radiotherapy planning.
 */
import { z } from 'zod';
import type { RatingForm } from './rating-form';

export const DEFAULT_FORM: RatingForm = {
	dimensions: [
		{
			key: 'salutation',
			label: 'Salutation',
			question: "Is the letter addressed correctly and in the department's style?",
			anchors: [
				'Missing or wrong recipient; not acceptable.',
				'Generic (e.g. "To whom it may concern"); needs rewriting.',
				'Correct recipient with minor deviations from house style.',
				'Correct recipient and house style; send as is.'
			]
		},
		{
			key: 'diagnosis',
			label: 'Diagnosis',
			question: 'Are diagnosis, TNM stage, histology and ICD-10 code stated correctly?',
			anchors: [
				'Wrong or missing diagnosis; could mislead treatment.',
				'Partly correct; a clinically relevant element is wrong or missing.',
				'Correct; a minor detail (e.g. ICD-10 subcode) is off or missing.',
				'Complete and correct.'
			]
		},
		{
			key: 'treatment_history',
			label: 'Treatment history',
			question:
				'Is the prior treatment (surgery, systemic therapy, earlier radiotherapy) reported faithfully?',
			anchors: [
				'Invented or contradicting treatment.',
				'Relevant prior treatment missing or misstated.',
				'Faithful, with minor omissions.',
				'Complete and faithful.'
			]
		},
		{
			key: 'recommendations',
			label: 'Recommendations',
			question: 'Are the recommendations clinically appropriate and consistent with the case?',
			anchors: [
				'Inappropriate or unsafe recommendation.',
				'Vague or partly inconsistent with the case.',
				'Appropriate; small gaps (e.g. follow-up not specified).',
				'Appropriate, specific and consistent.'
			]
		},
		{
			key: 'planned_schedule',
			label: 'Planned schedule',
			question:
				'Are modality, technique, total dose, fractions, dose per fraction and dates right?',
			anchors: [
				'Missing, or wrong dose or fractionation.',
				'Incomplete (e.g. no dates or no dose per fraction).',
				'Complete with one minor error (e.g. an end date).',
				'Complete and correct.'
			]
		},
		{
			key: 'clinical_benefit',
			label: 'Overall clinical benefit',
			question: 'How much would this draft help you write the final letter?',
			anchors: [
				'No help; faster to write from scratch.',
				'Some help; substantial editing needed.',
				'Helpful; minor edits needed.',
				'Ready to sign.'
			]
		}
	],
	/** Raters mark errors in the letter with the default taxonomy (domain/marks.ts). */
	marks: true
};

/** A study's folder name and URL part: lower case, so it is the same on every file system. */
export const slugSchema = z
	.string()
	.trim()
	.regex(
		/^[a-z0-9][a-z0-9-]*$/,
		'use lower-case letters, digits and "-" (it names the study folder)'
	)
	.max(60);

/** What the coordinator gives when creating a study in the browser. */
export const newStudySchema = z.object({
	name: z.string().trim().min(1, 'is required').max(200),
	slug: slugSchema,
	description: z.string().trim().max(2000).default(''),
	seed: z.string().trim().min(1, 'is required').max(100)
});
export type NewStudy = z.output<typeof newStudySchema>;
