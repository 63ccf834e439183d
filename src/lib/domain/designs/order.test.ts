/**
 * Blinding by order: a rater's sequence of checkpoints must tell no more than a random shuffle
 * under the design's constraints (position balance within BALANCE_BAND, no two letters of a case
 * back to back). The reference shuffles are drawn by rejection: a uniformly random permutation,
 * dropped as soon as a prefix breaks a constraint, so the survivors are uniform over the valid
 * orders by construction, whatever the design code does.
 *
 * For each setting, ≥ 1,000 orders from buildDesign are compared with REFERENCE_BATCHES batches
 * of reference shuffles, one shuffle of the same items per order and batch:
 * - transition counts (checkpoint of letter i → checkpoint of letter i + 1), pooled over the
 *   orders: Pearson's X² against the reference proportions. Letters of one order are dependent,
 *   so X² is not χ²(df) as such; its scale c is estimated from the reference batches themselves
 *   (each against the others: E X² = c · df) and X² / c is tested against χ²(df) at α = 0.01
 *   (a first-order Rao–Scott correction);
 * - the share of aligned pairs (positions 1–2, 3–4, …) holding two different checkpoints must
 *   not exceed the reference batches' mean by more than z(0.99) = 2.326 of their spread.
 */
import { describe, expect, it } from 'vitest';
import { chiSquareUpper } from '../../analysis/distributions';
import { buildDesign, type DesignItem, type DesignSpec } from '../designs';
import { randomInt, seededRng, type Rng } from '../random';
import { BALANCE_BAND } from './common';
import { prefixDeviation } from './order';

const ORDERS = 1000;
const REFERENCE_BATCHES = 30;
const ALPHA = 0.01;
const Z_99 = 2.326;

interface Setting {
	name: string;
	cases: number;
	checkpoints: number;
	raters: number;
	spec: DesignSpec;
}

const SETTINGS: Setting[] = [
	{ name: '2 checkpoints', cases: 10, checkpoints: 2, raters: 10, spec: { type: 'fully-crossed' } },
	{ name: '3 checkpoints', cases: 7, checkpoints: 3, raters: 10, spec: { type: 'fully-crossed' } },
	{ name: '4 checkpoints', cases: 5, checkpoints: 4, raters: 10, spec: { type: 'fully-crossed' } },
	{
		name: 'balanced, 2 checkpoints, k = 2 of 5 raters',
		cases: 25,
		checkpoints: 2,
		raters: 5,
		spec: { type: 'balanced', ratersPerItem: 2 }
	},
	{
		name: 'balanced, 3 checkpoints, k = 2 of 6 raters',
		cases: 16,
		checkpoints: 3,
		raters: 6,
		spec: { type: 'balanced', ratersPerItem: 2 }
	}
];

/** One rater's order as checkpoint indices, with the items it was drawn from. */
interface Order {
	items: DesignItem[];
	labels: number[];
}

function itemsOf(cases: number, checkpoints: number): DesignItem[] {
	const items: DesignItem[] = [];
	for (let c = 0; c < cases; c++)
		for (let p = 0; p < checkpoints; p++)
			items.push({ id: `c${c}/p${p}`, caseKey: `c${c}`, checkpointKey: `p${p}` });
	return items;
}

const label = (item: DesignItem) => Number(item.checkpointKey.slice(1));

/** Orders from buildDesign, over as many seeds as it takes to have ORDERS of them. */
function designOrders(s: Setting): Order[] {
	const items = itemsOf(s.cases, s.checkpoints);
	const byId = new Map(items.map((i) => [i.id, i]));
	const raters = Array.from({ length: s.raters }, (_, r) => ({ id: `R${r}` }));
	const out: Order[] = [];
	for (let seed = 0; out.length < ORDERS; seed++) {
		const { assignments } = buildDesign(items, raters, s.spec, { seed: `order-test/${seed}` });
		for (const r of raters) {
			const mine = assignments
				.filter((a) => a.raterId === r.id)
				.sort((x, y) => x.position - y.position)
				.map((a) => byId.get(a.itemId)!);
			out.push({ items: mine, labels: mine.map(label) });
		}
	}
	return out;
}

/**
 * A uniformly random order of `items` with no same-case neighbours and every checkpoint's prefix
 * count within BALANCE_BAND of its fair share (rejection sampling, abandoned at the first break).
 */
function constrainedShuffle(items: readonly DesignItem[], rng: Rng): number[] {
	const n = items.length;
	const labels = Int32Array.from(items, label);
	const caseIds = new Map(items.map((i) => [i.caseKey, 0]));
	[...caseIds.keys()].forEach((key, i) => caseIds.set(key, i));
	const caseOf = Int32Array.from(items, (i) => caseIds.get(i.caseKey)!);
	const C = Math.max(...labels) + 1;
	const total = new Int32Array(C);
	for (const l of labels) total[l]!++;
	const limit = BALANCE_BAND * n + 1e-6;
	const pool = new Int32Array(n);
	const seen = new Int32Array(C);
	const out: number[] = [];
	for (;;) {
		for (let i = 0; i < n; i++) pool[i] = i;
		seen.fill(0);
		out.length = 0;
		let previousCase = -1;
		for (let t = 1, left = n; t <= n; t++, left--) {
			const k = randomInt(rng, left);
			const pick = pool[k]!;
			pool[k] = pool[left - 1]!;
			if (caseOf[pick] === previousCase) break;
			previousCase = caseOf[pick]!;
			seen[labels[pick]!]!++;
			let fits = true;
			for (let l = 0; l < C && fits; l++) fits = Math.abs(seen[l]! * n - t * total[l]!) <= limit;
			if (!fits) break;
			out.push(labels[pick]!);
		}
		if (out.length === n) return out.slice();
	}
}

/** Transition counts, row-major over checkpoints C: [from · C + to]. */
function transitions(orders: readonly number[][], C: number): number[] {
	const counts = new Array<number>(C * C).fill(0);
	for (const labels of orders)
		for (let i = 0; i + 1 < labels.length; i++) counts[labels[i]! * C + labels[i + 1]!]!++;
	return counts;
}

function alignedMixedShare(orders: readonly number[][]): number {
	let mixed = 0;
	let pairs = 0;
	for (const labels of orders)
		for (let i = 0; i + 1 < labels.length; i += 2) {
			pairs++;
			if (labels[i] !== labels[i + 1]) mixed++;
		}
	return mixed / pairs;
}

/** Pearson's X² of `counts` against proportions `p` (cells with p = 0 must be empty). */
function pearson(counts: readonly number[], p: readonly number[]): number {
	const total = counts.reduce((x, y) => x + y, 0);
	let x2 = 0;
	counts.forEach((o, cell) => {
		const e = total * p[cell]!;
		if (e > 0) x2 += (o - e) ** 2 / e;
		else expect(o).toBe(0);
	});
	return x2;
}

const proportions = (counts: readonly number[]) => {
	const total = counts.reduce((x, y) => x + y, 0);
	return counts.map((c) => c / total);
};

function mean(xs: readonly number[]): number {
	return xs.reduce((x, y) => x + y, 0) / xs.length;
}

function sd(xs: readonly number[]): number {
	const m = mean(xs);
	return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

interface Comparison {
	pValue: number;
	aligned: { design: number; reference: number; bound: number };
}

/** The design's orders against REFERENCE_BATCHES batches of constrained shuffles of their items. */
function compare(orders: readonly Order[], C: number, seed: string): Comparison {
	const rng = seededRng(seed);
	const batches = Array.from({ length: REFERENCE_BATCHES }, () =>
		orders.map((o) => constrainedShuffle(o.items, rng))
	);
	const batchCounts = batches.map((b) => transitions(b, C));
	const pooled = batchCounts.reduce((sum, c) => sum.map((x, i) => x + c[i]!));
	const df = pooled.filter((x) => x > 0).length - 1;
	// Each batch against the others: the scale of X² under the null, dependence included.
	const nullX2 = batchCounts.map((c) => pearson(c, proportions(pooled.map((x, i) => x - c[i]!))));
	const scale = mean(nullX2) / df;
	const x2 = pearson(
		transitions(
			orders.map((o) => o.labels),
			C
		),
		proportions(pooled)
	);
	const shares = batches.map(alignedMixedShare);
	const reference = mean(shares);
	return {
		pValue: chiSquareUpper(x2 / scale, df),
		aligned: {
			design: alignedMixedShare(orders.map((o) => o.labels)),
			reference,
			bound: reference + Z_99 * sd(shares) * Math.sqrt(1 + 1 / REFERENCE_BATCHES)
		}
	};
}

describe('rater orders carry no more than a constrained shuffle', () => {
	it.each(SETTINGS)(
		'$name: transitions and aligned pairs as in shuffles, balance kept',
		(s) => {
			const orders = designOrders(s);
			expect(orders.length).toBeGreaterThanOrEqual(ORDERS);
			for (const o of orders) {
				// the balance and case-apart properties still hold for every order
				expect(prefixDeviation(o.labels)).toBeLessThanOrEqual(BALANCE_BAND + 1e-9);
				for (let i = 0; i + 1 < o.items.length; i++)
					expect(o.items[i]!.caseKey).not.toBe(o.items[i + 1]!.caseKey);
			}
			const { pValue, aligned } = compare(orders, s.checkpoints, `reference/${s.name}`);
			console.log('FIG', s.name, pValue.toFixed(4), JSON.stringify(aligned));
			expect(pValue).toBeGreaterThan(ALPHA);
			expect(aligned.design).toBeLessThanOrEqual(aligned.bound);
		},
		60_000
	);

	it('would catch the alternating orders the review found', () => {
		// Strict alternation within the band (A B A B …, or B A B A …), case-apart: what the
		// stratified keys alone gave. The same test must reject it.
		const s = SETTINGS[0]!;
		const items = itemsOf(s.cases, s.checkpoints);
		const rng = seededRng('alternating');
		const orders: Order[] = Array.from({ length: ORDERS }, () => {
			const first = randomInt(rng, 2);
			const cases = Array.from({ length: s.cases }, (_, c) => c);
			// cases in random order per checkpoint, shifted so a case's letters are never adjacent
			for (let i = cases.length - 1; i > 0; i--) {
				const j = randomInt(rng, i + 1);
				[cases[i], cases[j]] = [cases[j]!, cases[i]!];
			}
			const picked: DesignItem[] = [];
			for (let k = 0; k < s.cases; k++) {
				picked.push(items[cases[k]! * 2 + first]!);
				picked.push(items[cases[(k + 2) % s.cases]! * 2 + (1 - first)]!);
			}
			return { items: picked, labels: picked.map(label) };
		});
		const { pValue, aligned } = compare(orders, 2, 'reference/alternating');
		expect(aligned.design).toBe(1);
		expect(aligned.design).toBeGreaterThan(aligned.bound);
		expect(pValue).toBeLessThan(ALPHA);
	});
});
