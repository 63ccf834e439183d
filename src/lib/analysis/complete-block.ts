/**
 * The largest complete raters × items block of a rating matrix with missing cells, for statistics
 * that need complete data (icc()). Rows are raters, entries scale indices or −1 when missing.
 */

export interface Block {
	raters: number[];
	items: number[];
}

const cellsOf = (b: Block) => b.raters.length * b.items.length;
const betterBlock = (x: Block, y: Block | null): boolean =>
	y === null ||
	cellsOf(x) > cellsOf(y) ||
	(cellsOf(x) === cellsOf(y) && x.items.length > y.items.length);

/**
 * Greedy search for a complete block: repeatedly drop the rater or item with the largest share
 * of missing cells (items first on ties: raters are the scarcer resource) until nothing is
 * missing. Finds the block when ratings are missing at random.
 */
function greedyBlock(rows: readonly Int8Array[], I: number): Block | null {
	const R = rows.length;
	const raterOn = new Uint8Array(R).fill(1);
	const itemOn = new Uint8Array(I).fill(1);
	const missR = new Int32Array(R);
	const missI = new Int32Array(I);
	let total = 0;
	rows.forEach((row, r) => {
		for (let j = 0; j < I; j++) {
			if (row[j]! < 0) {
				missR[r]!++;
				missI[j]!++;
				total++;
			}
		}
	});
	let nR = R;
	let nI = I;
	while (total > 0) {
		if (nR < 2 || nI < 2) return null;
		let worstItem = -1;
		let itemShare = -1;
		for (let j = 0; j < I; j++) {
			if (itemOn[j] && missI[j]! / nR > itemShare) {
				itemShare = missI[j]! / nR;
				worstItem = j;
			}
		}
		let worstRater = -1;
		let raterShare = -1;
		for (let r = 0; r < R; r++) {
			if (raterOn[r] && missR[r]! / nI > raterShare) {
				raterShare = missR[r]! / nI;
				worstRater = r;
			}
		}
		if (raterShare > itemShare) {
			raterOn[worstRater] = 0;
			nR--;
			total -= missR[worstRater]!;
			const row = rows[worstRater]!;
			for (let j = 0; j < I; j++) if (itemOn[j] && row[j]! < 0) missI[j]!--;
		} else {
			itemOn[worstItem] = 0;
			nI--;
			total -= missI[worstItem]!;
			for (let r = 0; r < R; r++) if (raterOn[r] && rows[r]![worstItem]! < 0) missR[r]!--;
		}
	}
	const block = {
		raters: [...raterOn.keys()].filter((r) => raterOn[r]),
		items: [...itemOn.keys()].filter((j) => itemOn[j])
	};
	return block.raters.length >= 2 && block.items.length >= 2 ? block : null;
}

/**
 * The largest complete raters × items block we can find (icc() needs complete data); the exact
 * maximum is a maximum-edge biclique, NP-hard. Candidates: (1) for each distinct set S of raters
 * who rated some item, S × every item rated by all of S — exact for crossed designs and for block
 * designs (panels rating disjoint item sets); (2) the greedy block above, for scattered missing
 * ratings. The block with the most cells wins, ties going to more items.
 */
export function largestCompleteBlock(rows: readonly Int8Array[], I: number): Block | null {
	const R = rows.length;
	if (R < 2 || I < 2) return null;
	let best = greedyBlock(rows, I);
	const words = Math.ceil(R / 32);
	const bits = new Uint32Array(I * words);
	rows.forEach((row, r) => {
		for (let j = 0; j < I; j++) if (row[j]! >= 0) bits[j * words + (r >> 5)]! |= 1 << (r & 31);
	});
	const sets = new Map<string, { item: number; size: number }>();
	for (let j = 0; j < I; j++) {
		const key = bits.subarray(j * words, (j + 1) * words).join(',');
		if (sets.has(key)) continue;
		let size = 0;
		for (let r = 0; r < R; r++) if (rows[r]![j]! >= 0) size++;
		sets.set(key, { item: j, size });
	}
	const candidates = [...sets.values()].sort((x, y) => y.size - x.size || x.item - y.item);
	for (const { item, size } of candidates) {
		if (size < 2 || (best !== null && size * I < cellsOf(best))) break;
		const s = bits.subarray(item * words, (item + 1) * words);
		const items: number[] = [];
		for (let j = 0; j < I; j++) {
			let covers = true;
			for (let w = 0; w < words && covers; w++) {
				covers = (bits[j * words + w]! & s[w]!) >>> 0 === s[w]! >>> 0;
			}
			if (covers) items.push(j);
		}
		const raters = [...rows.keys()].filter((r) => (s[r >> 5]! >>> (r & 31)) & 1);
		const block = { raters, items };
		if (items.length >= 2 && betterBlock(block, best)) best = block;
	}
	return best;
}
