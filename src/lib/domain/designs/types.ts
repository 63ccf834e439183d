/**
 * The shapes of rating designs: what designs.ts and the modules under designs/ take and return.
 * A module of its own so that designs.ts (which runs the steps) and the step modules import the
 * same types without importing each other in a circle.
 */
export interface DesignItem {
	id: string;
	/** Items of the same case are never shown back to back. */
	caseKey: string;
	/** Whose output this is; orders spread each checkpoint evenly over positions. */
	checkpointKey: string;
}

export interface DesignRater {
	id: string;
}

export type DesignSpec =
	| { type: 'fully-crossed' }
	| {
			type: 'balanced';
			/** How many raters score each item (k); 1 ≤ k ≤ number of raters. */
			ratersPerItem: number;
	  };

export interface DesignOptions {
	seed: string;
	/** Share (0 to 0.5) of each rater's items shown a second time, later, under a new code. */
	repeatShare?: number;
	/** Least distance (in positions) between an item's first showing and its repeat; default 5. */
	minRepeatGap?: number;
}

export interface Assignment {
	raterId: string;
	itemId: string;
	/** 0-based position in the rater's sequence. */
	position: number;
	/** For a repeat, the position of the first showing of the same item; otherwise null. */
	repeatOf: number | null;
}

/**
 * Largest deviation of any stratum's count from its fair share, over every prefix of every
 * rater's sequence, in items:
 *
 *   max over raters r, strata s, t = 1..L_r of | n_rs(t) − t · n_rs / L_r |
 *
 * where L_r is the length of r's sequence (repeats included), n_rs the number of r's positions
 * holding stratum s, and n_rs(t) how many of the first t do. A stratum is a checkpoint (a pair of
 * checkpoints in pairwise designs). Any block of consecutive positions (a position bin) then
 * deviates from its fair share by at most twice this value. A uniformly shuffled order's deviation
 * grows like √L_r (typically 4 to 8 items for 200 items of two checkpoints); the design's orders
 * stay within 1.5 (BALANCE_BAND) before repeats.
 */
export interface PositionBalance {
	maxDeviation: number;
}

export interface DesignReport {
	/** Distinct items per rater (first showings; repeats are counted in `repeats`). */
	workload: { min: number; max: number };
	/**
	 * Items shared by each pair of raters (0 with fewer than two raters), and the mean
	 * N·k·(k − 1) / (R·(R − 1)) that a perfectly balanced design would give every pair.
	 */
	pairOverlap: { min: number; max: number; mean: number };
	/**
	 * Largest difference, over checkpoints, between the raters who got the most and the fewest of
	 * that checkpoint's items (0 in fully crossed designs).
	 */
	checkpointSpread: number;
	positionBalance: PositionBalance;
	/**
	 * Adjacent pairs of the same case over all sequences: 0 unless a case holds more than half of
	 * some rater's items (rounded up).
	 */
	adjacentSameCase: number;
	/** Repeat showings placed, over all raters. */
	repeats: number;
	/** Repeat showings asked for (round(repeatShare · workload) per rater) but impossible to place. */
	repeatsShort: number;
}

/** One output of a rater's pairwise round: which two items, in which order and on which side. */
export interface PairwiseAssignment {
	raterId: string;
	leftItemId: string;
	rightItemId: string;
	/** 0-based position in the rater's sequence. */
	position: number;
}

export interface PairwiseOptions {
	seed: string;
	/** How comparisons are spread over raters (k raters per comparison); default fully crossed. */
	spec?: DesignSpec;
	// No repeats here: test–retest reliability is measured in single-item rounds.
}

export interface PairwiseReport {
	/** Comparisons formed (each counted once, before assignment to raters). */
	comparisons: number;
	/** Comparisons per rater. */
	workload: { min: number; max: number };
	/** Comparisons shared by each pair of raters, as in DesignReport. */
	pairOverlap: { min: number; max: number; mean: number };
	/** Position balance of checkpoint pairs (see PositionBalance). */
	positionBalance: PositionBalance;
	adjacentSameCase: number;
	/**
	 * Side balance as |times on the left − times on the right|: per checkpoint and rater (always
	 * ≤ 1), per checkpoint over all raters, and per pair of checkpoints (how often A is left of B
	 * minus how often B is left of A) for each rater (always ≤ 1) and over all raters.
	 */
	leftRight: {
		maxRaterImbalance: number;
		maxOverallImbalance: number;
		maxRaterPairImbalance: number;
		maxOverallPairImbalance: number;
	};
}
