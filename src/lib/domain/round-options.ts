/**
 * The options a coordinator chooses when creating a round: its kind (absolute scores or pairwise
 * comparisons), its design (every rater rates everything, or k raters per item) and the share of
 * repeated items. Checked here once, for the browser form, the CLI and the services alike.
 */
import type { Issue } from '../errors';
import type { DesignReport, PairwiseReport } from './designs';
import type { RoundKind } from './enums';

export type { RoundKind };

/**
 * A choice on one dimension of a pairwise item, in the order of its scale: key 1 is the left
 * letter, 2 a tie, 3 the right letter.
 */
export const CHOICES = ['left', 'tie', 'right'] as const;
export type Choice = (typeof CHOICES)[number];

export interface RoundDesignOptions {
	kind: RoundKind;
	type: 'fully-crossed' | 'balanced';
	/** Balanced designs: how many raters score each item (comparison, in pairwise rounds). */
	ratersPerItem: number | null;
	/** Absolute rounds: share (0 to 0.5) of each rater's items shown again later under a new code. */
	repeatShare: number;
}

/**
 * What `rounds.design` holds: the options, the checkpoints, and the report of the last build.
 * Rows written before designs existed hold less: read them through `designOf` (server/assign.ts).
 */
export interface StoredDesign extends RoundDesignOptions {
	checkpoints: string[];
	report?: DesignReport | PairwiseReport;
}

/** Largest share of repeated items: beyond it a round is mostly repeats. */
export const MAX_REPEAT_SHARE = 0.5;

export const DEFAULT_DESIGN: RoundDesignOptions = {
	kind: 'absolute',
	type: 'fully-crossed',
	ratersPerItem: null,
	repeatShare: 0
};

function numberOf(value: unknown): number | null {
	if (typeof value === 'number') return value;
	if (typeof value === 'string' && value.trim() !== '') return Number(value.trim());
	return null;
}

/**
 * Checks raw options (form fields or CLI flags, strings or numbers; missing ones take the
 * defaults). Returns the options or every issue at once, each naming its field.
 */
export function parseRoundOptions(raw: {
	kind?: unknown;
	design?: unknown;
	ratersPerItem?: unknown;
	repeatShare?: unknown;
}): { options: RoundDesignOptions; issues: [] } | { options: null; issues: Issue[] } {
	const issues: Issue[] = [];
	const kind = raw.kind === undefined || raw.kind === '' ? 'absolute' : raw.kind;
	if (kind !== 'absolute' && kind !== 'pairwise')
		issues.push({ field: 'kind', message: 'must be "absolute" or "pairwise"' });
	const type = raw.design === undefined || raw.design === '' ? 'fully-crossed' : raw.design;
	if (type !== 'fully-crossed' && type !== 'balanced')
		issues.push({ field: 'design', message: 'must be "fully-crossed" or "balanced"' });
	let ratersPerItem: number | null = null;
	if (type === 'balanced') {
		ratersPerItem = numberOf(raw.ratersPerItem);
		if (ratersPerItem === null || !Number.isInteger(ratersPerItem) || ratersPerItem < 1) {
			issues.push({
				field: 'ratersPerItem',
				message: 'must be a whole number of at least 1 for a balanced design'
			});
		}
	}
	const share = numberOf(raw.repeatShare) ?? 0;
	if (!Number.isFinite(share) || share < 0 || share > MAX_REPEAT_SHARE)
		issues.push({
			field: 'repeatShare',
			message: `must be a share from 0 to ${MAX_REPEAT_SHARE} (e.g. 0.1 for 10 %)`
		});
	else if (share > 0 && kind === 'pairwise')
		issues.push({
			field: 'repeatShare',
			message: 'repeated items are for absolute rounds (intra-rater agreement of scores)'
		});
	if (issues.length) return { options: null, issues };
	return {
		options: {
			kind: kind as RoundKind,
			type: type as RoundDesignOptions['type'],
			ratersPerItem,
			repeatShare: share
		},
		issues: []
	};
}

/** A short description for pages and the audit log, e.g. "balanced, 2 raters per item, 10 % repeated". */
export function describeDesign(d: RoundDesignOptions): string {
	const parts = [d.kind === 'pairwise' ? 'pairwise comparisons' : 'absolute scores'];
	parts.push(
		d.type === 'balanced'
			? `balanced, ${d.ratersPerItem} rater${d.ratersPerItem === 1 ? '' : 's'} per ${d.kind === 'pairwise' ? 'comparison' : 'item'}`
			: 'fully crossed'
	);
	if (d.repeatShare > 0) parts.push(`${Math.round(d.repeatShare * 100)} % repeated`);
	return parts.join(', ');
}
