/**
 * The tables one study's round fills, from the study to the ratings (SQL names, which are also
 * the schema's export names for these): what tests count or expect to be filled after a round.
 */
export const ROUND_TABLES = [
	'studies',
	'cases',
	'checkpoints',
	'outputs',
	'rounds',
	'items',
	'raters',
	'assignments',
	'ratings'
] as const;
