import { seededRng, shuffle } from './random';

export interface OrderItem {
	/** Opaque item id (the caller's). */
	id: string;
	/** Items of the same case must not be adjacent. */
	caseKey: string;
}

/**
 * A rater's reproducible order of items: a seeded shuffle, then drawn greedily so that no two
 * items of the same case sit next to each other whenever that is possible (it is unless one case
 * holds more than half of the items, rounded up). Seed it with study seed, round and rater so two
 * raters get different orders and the same rater always gets the same one.
 */
export function raterOrder(items: readonly OrderItem[], seed: string): OrderItem[] {
	const remaining = shuffle(items, seededRng(seed));
	const left = new Map<string, number>();
	for (const it of remaining) left.set(it.caseKey, (left.get(it.caseKey) ?? 0) + 1);
	const order: OrderItem[] = [];
	while (remaining.length) {
		const prev = order.at(-1)?.caseKey;
		// A case holding more than half of what is left must go now, or a clash becomes certain.
		let forced: string | undefined;
		for (const [key, n] of left) if (n * 2 > remaining.length && key !== prev) forced = key;
		let index = remaining.findIndex((it) =>
			forced === undefined ? it.caseKey !== prev : it.caseKey === forced
		);
		if (index === -1) index = 0; // unavoidable: one case holds the majority
		const [next] = remaining.splice(index, 1);
		order.push(next!);
		left.set(next!.caseKey, left.get(next!.caseKey)! - 1);
	}
	return order;
}

/** Number of adjacent pairs that share a case (0 for a valid order). */
export function adjacentSameCase(order: readonly OrderItem[]): number {
	let n = 0;
	for (let i = 1; i < order.length; i++) if (order[i]!.caseKey === order[i - 1]!.caseKey) n++;
	return n;
}
