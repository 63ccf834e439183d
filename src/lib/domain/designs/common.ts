/** Constants and small helpers shared by the design steps (see ../designs.ts). */
import type { DesignSpec } from './types';

export const DEFAULT_MIN_REPEAT_GAP = 5;
export const MAX_REPEAT_SHARE = 0.5;
/**
 * How far (in items) each checkpoint's count in any prefix of a rater's base order may stray from
 * its fair share. Tighter balance makes neighbours more predictable. Measured with two checkpoints
 * and 200 letters (2026-12-07): within ±1.5, about 58 % of aligned pairs hold both checkpoints and
 * 56 % of neighbours differ; within ±2, 53 % and 54 %; unconstrained, 50 %. (The old stratified
 * orders: 99 % and 74 %.)
 */
export const BALANCE_BAND = 1.5;
/** Proposed swaps per unit when mixing an order (order.ts `mix`), and their longest reach. */
export const MIX_SWEEPS = 40;
export const MIX_REACH = 8;
/** Repeats are inserted again (at most this many draws in all) when they unbalance the order. */
export const REPEAT_ATTEMPTS = 8;
export const REPEAT_DEVIATION_TARGET = 2.5;
/** A rater's order is re-drawn when it equals another rater's; only tiny item sets need this. */
export const MAX_REDRAWS = 50;
/** Local-search moves per unit×k, and bounds, so large rounds stay well under a second. */
export const SEARCH_MOVES_PER_SLOT = 40;
export const SEARCH_MOVES_MIN = 20_000;
export const SEARCH_MOVES_MAX = 300_000;
/** Annealing temperatures, in units of the quartic cost below. */
export const T_START = 4;
export const T_END = 0.2;
/** Focus phase: steps at most, steps without a gain before giving up, moves sampled per step. */
export const FOCUS_STEPS = 4000;
export const FOCUS_PATIENCE = 300;
export const FOCUS_SAMPLES = 200;

export const byId = (a: { id: string }, b: { id: string }) =>
	a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

export function range(n: number): number[] {
	return Array.from({ length: n }, (_, i) => i);
}

/** Groups values by key, in order of first appearance. */
export function groupBy<T, K>(values: readonly T[], key: (value: T) => K): Map<K, T[]> {
	const groups = new Map<K, T[]>();
	for (const v of values) {
		const k = key(v);
		const g = groups.get(k);
		if (g) g.push(v);
		else groups.set(k, [v]);
	}
	return groups;
}

export function uniqueIds(list: readonly { id: string }[], what: string): void {
	const seen = new Set<string>();
	for (const { id } of list) {
		if (seen.has(id)) throw new Error(`Duplicate ${what} id "${id}"`);
		seen.add(id);
	}
}

/** Index of each distinct key in sorted order, so strata do not depend on input order. */
export function indexKeys(keys: readonly string[]): { index: number[]; count: number } {
	const distinct = [...new Set(keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
	const at = new Map(distinct.map((k, i) => [k, i]));
	return { index: keys.map((k) => at.get(k)!), count: distinct.length };
}

export function checkSpec(spec: DesignSpec, raters: number): number {
	if (raters < 1) throw new Error('A design needs at least one rater');
	if (spec.type === 'fully-crossed') return raters;
	const k = spec.ratersPerItem;
	if (!Number.isInteger(k) || k < 1)
		throw new Error(`ratersPerItem must be a whole number of at least 1 (got ${k})`);
	if (k > raters) throw new Error(`ratersPerItem (${k}) exceeds the number of raters (${raters})`);
	return k;
}
