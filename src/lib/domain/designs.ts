/**
 * Rating designs: which rater scores which item (or comparison), and in which order.
 *
 * Everything here is a pure function of its input and a seed string, so a round's design can be
 * rebuilt and audited at any time (by the release that built it: orders changed in issue 18). Inputs are put in a canonical order (by id, compared by UTF-16
 * code units, never by locale) first, so the order rows come back from a database does not matter.
 *
 * Three steps, shared by single-item and pairwise rounds (a unit is an item or a comparison):
 * 1. allocation (balanced designs): each unit gets exactly k raters; how many units of each
 *    checkpoint each rater gets is fixed up front (differing by at most 1 between raters, and so
 *    do workloads), then seeded annealing swaps raters between units of the same checkpoint (which
 *    keeps those counts) to even out how many units each pair of raters shares;
 * 2. order: a constrained random shuffle. Each checkpoint's units are first spread evenly over the
 *    rater's sequence by jittered stratification (the j-th of a checkpoint's m units gets the sort
 *    key (j + u) / m, u uniform in [0, 1)) and drawn in key order skipping any unit whose case
 *    equals the previous one; that start nearly alternates, so a Markov chain of local swaps then
 *    randomises it while every checkpoint's count in every prefix stays within BALANCE_BAND (1.5)
 *    of its fair share and same-case neighbours do not come back. Its stationary distribution is
 *    the uniform one over such orders, so the sequence of checkpoints tells a rater no more than
 *    a random shuffle under those constraints (order.ts `mix`, tested in designs/order.test.ts);
 * 3. repeats: copies of a share of the rater's items are inserted later in the sequence, at least
 *    `minRepeatGap` positions after the first showing and never next to an item of the same case.
 */
import { byId, checkSpec, indexKeys, range, uniqueIds } from './designs/common';
import { allocateFor } from './designs/allocation';
import {
	type Unit,
	baseOrder,
	countAdjacent,
	minMax,
	prefixDeviation,
	repeatPlan,
	round6,
	sequences
} from './designs/order';
import { seededRng } from './random';
import type {
	Assignment,
	DesignItem,
	DesignOptions,
	DesignRater,
	DesignReport,
	DesignSpec
} from './designs/types';

export type {
	DesignItem,
	DesignRater,
	DesignSpec,
	DesignOptions,
	Assignment,
	PositionBalance,
	DesignReport,
	PairwiseAssignment,
	PairwiseOptions,
	PairwiseReport
} from './designs/types';

/**
 * Builds a round's design: which items each rater scores, in which order, and which are repeats.
 *
 * Guarantees (property-tested over random sizes up to 40 raters × 200 items):
 * - the same items, raters, spec and options give the same assignments, whatever their input
 *   order; raters get different sequences whenever the items allow it (re-drawn on a clash);
 * - fully crossed: every rater scores every item once. Balanced: every item is scored by exactly
 *   k raters; workloads, and each checkpoint's count per rater, differ by at most 1;
 * - no two items of the same case are adjacent in a sequence (repeats included) unless a case
 *   holds more than ⌈n / 2⌉ of the rater's n showings; balanced allocation keeps each case under
 *   that cap for k ≤ R / 2 whenever its greedy start allows, so clashes only remain in tiny rounds;
 * - each checkpoint is spread evenly over every sequence (see PositionBalance): within
 *   BALANCE_BAND = 1.5 items of its fair share in every prefix of the base order, unless the
 *   stratified start already strays further (rare, up to about 1.53); with repeats, worst
 *   measured over 1,500 random rounds 2.52 (their insertion is re-drawn past 2.5). Otherwise the
 *   order is as random as the constraints allow (no alternation, no one-of-each blocks);
 * - a repeat comes at least `minRepeatGap` positions after its first showing and, like any item,
 *   never next to an item of the same case; repeats that cannot be placed so are left out and
 *   counted in `repeatsShort` (only seen with fewer than about 2 × minRepeatGap items per rater).
 *
 * Pair overlap (balanced) is best effort: the search aims at max − min ≤ 1 and the report says
 * what it reached (with the mean every pair would share in a perfect design). Guaranteed: 0 for
 * k = 1, k = R, and k = R − 1 with equal loads; ≤ 1 for k = 2 (property-tested). Otherwise it is
 * usually ≤ 1 for up to about 10 raters, ≤ 2 up to 12, and 2 to 4 for many raters with a large k,
 * where a perfectly balanced design is a hard combinatorial problem or does not exist (with
 * k = R − 1 and unequal loads, pairs of lightly loaded raters must share 2 items fewer).
 *
 * @throws Error when there are no items or raters, ids repeat, k is not a whole number in
 * 1..raters, or the repeat options are out of range.
 */
export function buildDesign(
	items: readonly DesignItem[],
	raters: readonly DesignRater[],
	spec: DesignSpec,
	opts: DesignOptions
): { assignments: Assignment[]; report: DesignReport } {
	if (!items.length) throw new Error('A design needs at least one item');
	uniqueIds(items, 'item');
	uniqueIds(raters, 'rater');
	const k = checkSpec(spec, raters.length);
	const plan = repeatPlan(opts);
	const sortedItems = items.slice().sort(byId);
	const sortedRaters = raters.slice().sort(byId);
	const strata = indexKeys(sortedItems.map((i) => i.checkpointKey));
	const units: Unit[] = sortedItems.map((it, i) => ({
		caseKey: it.caseKey,
		stratum: strata.index[i]!
	}));

	const alloc = allocateFor(
		units,
		strata.count,
		sortedRaters.length,
		k,
		seededRng(`${opts.seed}/assign`)
	);
	const raterIds = sortedRaters.map((r) => r.id);
	const seqs = sequences(alloc.perRater, raterIds, units, plan, opts.seed);

	const assignments: Assignment[] = [];
	let repeats = 0;
	let adjacent = 0;
	let deviation = 0;
	seqs.forEach(({ sequence }, r) => {
		sequence.forEach((s, position) => {
			assignments.push({
				raterId: raterIds[r]!,
				itemId: sortedItems[s.unit]!.id,
				position,
				repeatOf: s.repeatOf
			});
			if (s.repeatOf !== null) repeats++;
		});
		adjacent += countAdjacent(sequence, units);
		deviation = Math.max(deviation, prefixDeviation(sequence.map((s) => units[s.unit]!.stratum)));
	});
	return {
		assignments,
		report: {
			workload: minMax(alloc.perRater.map((l) => l.length)),
			pairOverlap: alloc.pairOverlap,
			checkpointSpread: alloc.stratumSpread,
			positionBalance: { maxDeviation: round6(deviation) },
			adjacentSameCase: adjacent,
			repeats,
			repeatsShort: seqs.reduce((sum, s) => sum + s.short, 0)
		}
	};
}

/**
 * One rater's order of items on its own (no allocation, no repeats): the same balanced,
 * case-apart order `buildDesign` gives in a fully crossed design, seeded by `seed` alone. Meant for
 * adding a rater to a running fully crossed round; supersedes `raterOrder` in order.ts.
 */
export function stratifiedOrder<T extends DesignItem>(items: readonly T[], seed: string): T[] {
	uniqueIds(items, 'item');
	const sorted = items.slice().sort(byId);
	const strata = indexKeys(sorted.map((i) => i.checkpointKey));
	const units = sorted.map((it, i) => ({ caseKey: it.caseKey, stratum: strata.index[i]! }));
	const rng = seededRng(seed);
	return baseOrder(range(sorted.length), units, rng).map((i) => sorted[i]!);
}

export { pairwiseDesign } from './designs/pairwise';
