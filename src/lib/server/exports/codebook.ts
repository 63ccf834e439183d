/** The codebook of a round's exports: every column with its type and meaning, and the anchors. */
import { toCsv, type CsvValue } from '../../domain/csv';
import type { RatingForm } from '../../domain/rating-form';
import { SPREADSHEET_SAFE_RULE } from '../../domain/spreadsheet-safe';

/** Every column of the long and wide exports with its type and meaning, and the scale anchors. */
export function codebook(form: RatingForm, kind: 'absolute' | 'pairwise' = 'absolute'): string {
	const pairwise = kind === 'pairwise';
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
			: ['score', 'integer 1-4', 'Score on the dimension; see the anchors below (long format)'],
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
		...form.dimensions.flatMap((d) => [
			[
				d.key,
				pairwise ? 'left/tie/right' : 'integer 1-4',
				`${d.label} (wide format). ${d.question}`.trim()
			],
			[`${d.key}_comment`, 'string', `Comment on ${d.label} (wide format)`]
		])
	].map(([variable, type, description]) => ({ variable, type, description }));
	const anchors = pairwise
		? []
		: form.dimensions.flatMap((d) =>
				d.anchors.map((a, i) => ({ variable: d.key, type: `value ${i + 1}`, description: a }))
			);
	const notes = [
		{ variable: '(text cells)', type: 'note', description: EXACT_RULE },
		{ variable: '(text cells)', type: 'note', description: SPREADSHEET_SAFE_RULE }
	];
	return toCsv(['variable', 'type', 'description'], [...rows, ...anchors, ...notes]);
}

/** Why the exact exports may hold cells a spreadsheet would run (see spreadsheet-safe.ts). */
const EXACT_RULE =
	"In long.csv and wide.csv every text cell (comments, codes, names) is exactly what was entered, so a cell may begin with =, +, -, @, a tab or a carriage return: the files are data for R, pandas or SPSS, and a statistician must get the rater's text unchanged. A spreadsheet may run such a cell as a formula; open long-excel.csv or wide-excel.csv in Excel or LibreOffice instead.";
