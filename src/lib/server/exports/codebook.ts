/** The codebook of a round's exports: every column with its type and meaning, and the anchors. */
import { toCsv, type CsvValue } from '../../domain/csv';
import type { Dimension, RatingForm } from '../../domain/rating-form';
import { labels, scaleOf } from '../../domain/scales';
import { SPREADSHEET_SAFE_RULE } from '../../domain/spreadsheet-safe';

/** Every column of the long and wide exports with its type and meaning, and the scale anchors. */
export function codebook(form: RatingForm, kind: 'absolute' | 'pairwise' = 'absolute'): string {
	const pairwise = kind === 'pairwise';
	const scales = form.dimensions.map((d) => scaleOf(d.scale));
	const every = scales.flatMap((s) => s.scores);
	// A form on the default 4 points keeps the codebook it had before scales, byte for byte.
	const fourPoints = scales.every((s) => s.kind === 'points' && s.scores.length === 4);
	const answer = pairwise ? 'choice' : 'score';
	const rows: Record<string, CsvValue>[] = [
		['study', 'string', 'Study slug (the folder name under studies/)'],
		['round', 'string', 'Rating round name'],
		['rater', 'string', 'Rater pseudonym (R01, R02, …); names are not exported'],
		['case_id', 'string', 'Case id from the study file'],
		...(pairwise
			? [
					[
						'item_code',
						'string',
						'Opaque code of the comparison shown to the rater (two letters of one case)'
					],
					[
						'left_checkpoint',
						'string',
						'Checkpoint of the letter shown on the left; empty until the round is unblinded'
					],
					[
						'right_checkpoint',
						'string',
						'Checkpoint of the letter shown on the right; empty until the round is unblinded'
					]
				]
			: [
					[
						'item_code',
						'string',
						'Opaque code of the letter shown to the rater (one output of one checkpoint)'
					],
					[
						'repeat_of',
						'string',
						'For a repeated showing (intra-rater agreement): item_code of the first showing of the same letter to the same rater; empty otherwise'
					],
					[
						'checkpoint',
						'string',
						'Model checkpoint that wrote the letter; empty until the round is unblinded'
					]
				]),
		['position', 'integer', "1-based position of the item in this rater's order"],
		['dimension', 'string', 'Rating dimension key (long format)'],
		pairwise
			? ['choice', 'left/tie/right', 'Which letter the rater found better (long format)']
			: [
					'score',
					`integer ${Math.min(...every)}-${Math.max(...every)}`,
					fourPoints
						? 'Score on the dimension; see the anchors below (long format)'
						: "Score on the dimension, on that dimension's own scale; see its row and value labels below (long format)"
				],
		...(pairwise
			? [
					[
						'preferred_checkpoint',
						'string',
						'Checkpoint of the preferred letter, or "tie"; empty until unblinded (long format)'
					]
				]
			: []),
		['comment', 'string', "The rater's comment on this dimension; empty if none"],
		[
			'item_comment',
			'string',
			"The rater's overall comment on the item (the same on each of its rows); empty if none"
		],
		['seconds_on_item', 'integer', 'Seconds the item was open and visible, summed over visits'],
		['rated_at', 'ISO 8601 UTC', `When the ${answer} was first given (long format)`],
		['updated_at', 'ISO 8601 UTC', `When the ${answer} was last changed (long format)`],
		...form.dimensions.flatMap((d, j) => [
			[
				d.key,
				pairwise ? 'left/tie/right' : rangeText(scales[j]!.scores),
				`${d.label} (wide format). ${d.question}`.trim()
			],
			[`${d.key}_comment`, 'string', `Comment on ${d.label} (wide format)`]
		])
	].map(([variable, type, description]) => ({ variable, type, description }));
	const anchors = pairwise ? [] : form.dimensions.flatMap(valueLabels);
	const notes = [
		{ variable: '(text cells)', type: 'note', description: EXACT_RULE },
		{ variable: '(text cells)', type: 'note', description: SPREADSHEET_SAFE_RULE }
	];
	return toCsv(['variable', 'type', 'description'], [...rows, ...anchors, ...notes]);
}

/** "integer 1-4", "integer 0-1": the values a dimension's column holds. */
function rangeText(scores: readonly number[]): string {
	return `integer ${scores[0]}-${scores[scores.length - 1]}`;
}

/**
 * One row per value of a dimension's scale, its label (domain/scales.ts): the form's anchors,
 * or a named scale's English ones, e.g. yes/no as "value 0" No and "value 1" Yes.
 */
function valueLabels(d: Dimension) {
	const scale = scaleOf(d.scale);
	return labels(scale, d.anchors, 'en').map((label, i) => ({
		variable: d.key,
		type: `value ${scale.scores[i]}`,
		description: label
	}));
}

/** Why the exact exports may hold cells a spreadsheet would run (see spreadsheet-safe.ts). */
const EXACT_RULE =
	"In long.csv and wide.csv every text cell (comments, codes, names) is exactly what was entered, so a cell may begin with =, +, -, @, a tab or a carriage return: the files are data for R, pandas or SPSS, and a statistician must get the rater's text unchanged. A spreadsheet may run such a cell as a formula; open long-excel.csv or wide-excel.csv in Excel or LibreOffice instead.";
