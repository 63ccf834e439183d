// Over 300 lines: one pass from rating rows to the typed arrays every analysis reads, and views.
/**
 * Preparation for the study analysis: one pass over the rating rows into dense typed arrays
 * (raters, items and cases interned and ordered by identifier), and per-cell rating counts.
 */

import { compareStrings } from './summary';

export interface RatingRow {
	rater: string;
	caseId: string;
	itemCode: string;
	checkpoint: string;
	dimension: string;
	score: number;
	secondsOnItem?: number | null;
	/** itemCode of the first showing when this is a repeated item. */
	repeatOf?: string | null;
}

function indexNames(names: readonly string[], what: string): Map<string, number> {
	const index = new Map<string, number>();
	names.forEach((name, i) => {
		if (index.has(name)) throw new RangeError(`duplicate ${what} '${name}'`);
		index.set(name, i);
	});
	return index;
}

function intern(map: Map<string, number>, key: string): number {
	let i = map.get(key);
	if (i === undefined) {
		i = map.size;
		map.set(key, i);
	}
	return i;
}

/** Names in code-unit order and old index → new index. */
function sortInterned(map: Map<string, number>): { names: string[]; remap: Int32Array } {
	const names = [...map.keys()].sort(compareStrings);
	const remap = new Int32Array(names.length);
	names.forEach((name, i) => (remap[map.get(name)!] = i));
	return { names, remap };
}

interface PrepRow {
	rater: string;
	caseId: string;
	itemCode: string;
	checkpoint?: string;
	dimension: string;
	score: number;
	secondsOnItem?: number | null;
	repeatOf?: string | null;
}

export interface RepeatPair {
	rater: number;
	first: number;
	repeat: number;
}

export interface Prepared {
	/**
	 * The scale every dimension here is rated on (the sections that read it run on one view per
	 * scale, byScale(); a `prepare` of dimensions on several scales holds the first one here).
	 */
	scale: readonly number[];
	/** Scale indices ordered by value. */
	ascending: number[];
	/** Per dimension, its scale in order (domain/scales.ts: 1 … k points, 0/1 for yes/no). */
	scales: readonly (readonly number[])[];
	dimensions: readonly string[];
	checkpoints: readonly string[];
	raters: string[];
	items: string[];
	cases: string[];
	itemCase: Int32Array;
	itemCheckpoint: Int32Array;
	/**
	 * Per dimension, items × raters (cell i·R + r): the rating's index in `scale`, or −1.
	 * Dense, R·I bytes per dimension: reviewer panels are small, and every agreement statistic
	 * of the library takes a full raters × items matrix anyway.
	 */
	scores: Int8Array[];
	/** items × raters: seconds on the item, NaN when unknown. */
	seconds: Float64Array;
	/** Per dimension: scale indices of (first showing, repeat) by the same rater. */
	repeats: RepeatPair[][];
	ratings: number;
	repeatRatings: number;
	unmatchedRepeats: number;
	ignoredCheckpoint: number;
	ignoredDimension: number;
}

export function prepare(
	rows: readonly PrepRow[],
	dimensions: readonly string[],
	checkpoints: readonly string[] | null,
	/** One scale for every dimension, or one per dimension in `dimensions`' order. */
	scaleOrScales: readonly number[] | readonly (readonly number[])[]
): Prepared {
	const dimIndex = indexNames(dimensions, 'dimension');
	const cpIndex = checkpoints ? indexNames(checkpoints, 'checkpoint') : null;
	const single = scaleOrScales.every((v) => typeof v === 'number');
	const scales = single
		? dimensions.map(() => scaleOrScales as readonly number[])
		: [...(scaleOrScales as readonly (readonly number[])[])];
	if (scales.length !== dimensions.length)
		throw new RangeError(`${scales.length} scales for ${dimensions.length} dimensions`);
	const scale = single ? (scaleOrScales as readonly number[]) : (scales[0] ?? []);
	const indexOf = new Map<readonly number[], Map<number, number>>();
	for (const one of single ? [scale] : scales) {
		if (one.length < 2 || one.length > 127) throw new RangeError('scale needs 2–127 values');
		if (!one.every(Number.isFinite)) throw new RangeError('scale values must be finite numbers');
		const index = new Map(one.map((v, i) => [v, i]));
		if (index.size !== one.length) throw new RangeError('scale values must be distinct');
		indexOf.set(one, index);
	}
	const scaleIndexes = scales.map((one) => indexOf.get(one)!);

	const raterIds = new Map<string, number>();
	const itemIds = new Map<string, number>();
	const caseIds = new Map<string, number>();
	const itemCaseList: number[] = [];
	const itemCpList: number[] = [];
	const n = rows.length;
	const rowRater = new Int32Array(n);
	const rowItem = new Int32Array(n);
	const rowDim = new Int32Array(n);
	const rowScore = new Int8Array(n);
	const rowSeconds = new Float64Array(n);
	const repeatRows: { rater: number; repeatOf: string; dim: number; score: number }[] = [];
	let kept = 0;
	let ignoredCheckpoint = 0;
	let ignoredDimension = 0;
	// Exports list one rater's or one item's rows together, so remembering the last lookup saves
	// most of the string-keyed map accesses on large studies.
	let lastRaterName: string | undefined;
	let lastRater = -1;
	let lastItemCode: string | undefined;
	let lastCaseId: string | undefined;
	let lastCheckpoint: string | undefined;
	let lastItem = -1;
	let lastCheckpointName: string | undefined;
	let lastK = cpIndex ? -1 : 0;

	for (const row of rows) {
		const d = dimIndex.get(row.dimension);
		if (d === undefined) {
			ignoredDimension++;
			continue;
		}
		if (row.checkpoint !== lastCheckpointName) {
			const found = cpIndex ? cpIndex.get(row.checkpoint ?? '') : 0;
			lastCheckpointName = row.checkpoint;
			lastK = found ?? -1;
		}
		const k = lastK;
		if (k < 0) {
			ignoredCheckpoint++;
			continue;
		}
		const s = scaleIndexes[d]!.get(row.score);
		if (s === undefined) {
			throw new RangeError(
				`score ${row.score} of rater ${row.rater}, item ${row.itemCode} is not on the scale`
			);
		}
		if (row.rater !== lastRaterName) {
			lastRaterName = row.rater;
			lastRater = intern(raterIds, row.rater);
		}
		if (row.repeatOf !== null && row.repeatOf !== undefined) {
			repeatRows.push({ rater: lastRater, repeatOf: row.repeatOf, dim: d, score: s });
			continue;
		}
		if (
			row.itemCode !== lastItemCode ||
			row.caseId !== lastCaseId ||
			row.checkpoint !== lastCheckpoint
		) {
			const c = intern(caseIds, row.caseId);
			let item = itemIds.get(row.itemCode);
			if (item === undefined) {
				item = itemIds.size;
				itemIds.set(row.itemCode, item);
				itemCaseList.push(c);
				itemCpList.push(k);
			} else if (itemCaseList[item] !== c || itemCpList[item] !== k) {
				throw new RangeError(`item ${row.itemCode} appears with two cases or checkpoints`);
			}
			lastItemCode = row.itemCode;
			lastCaseId = row.caseId;
			lastCheckpoint = row.checkpoint;
			lastItem = item;
		}
		rowRater[kept] = lastRater;
		rowItem[kept] = lastItem;
		rowDim[kept] = d;
		rowScore[kept] = s;
		const sec = row.secondsOnItem;
		rowSeconds[kept] = sec !== null && sec !== undefined && sec >= 0 && sec < Infinity ? sec : NaN;
		kept++;
	}

	const raters = sortInterned(raterIds);
	const items = sortInterned(itemIds);
	const cases = sortInterned(caseIds);
	const R = raters.names.length;
	const I = items.names.length;
	const itemCase = new Int32Array(I);
	const itemCheckpoint = new Int32Array(I);
	for (let old = 0; old < I; old++) {
		itemCase[items.remap[old]!] = cases.remap[itemCaseList[old]!]!;
		itemCheckpoint[items.remap[old]!] = itemCpList[old]!;
	}
	const scores = dimensions.map(() => new Int8Array(R * I).fill(-1));
	const seconds = new Float64Array(R * I).fill(Number.NaN);
	for (let t = 0; t < kept; t++) {
		const cell = items.remap[rowItem[t]!]! * R + raters.remap[rowRater[t]!]!;
		const matrix = scores[rowDim[t]!]!;
		if (matrix[cell] !== -1) {
			const i = Math.floor(cell / R);
			throw new RangeError(
				`duplicate rating: rater ${raters.names[cell - i * R]}, item ${items.names[i]}, ` +
					`dimension ${dimensions[rowDim[t]!]}`
			);
		}
		matrix[cell] = rowScore[t]!;
		// The app stores time per item, so each dimension row repeats it: keep the first.
		if (Number.isNaN(seconds[cell]!)) seconds[cell] = rowSeconds[t]!;
	}

	const repeats: RepeatPair[][] = dimensions.map(() => []);
	let unmatchedRepeats = 0;
	for (const rep of repeatRows) {
		const oldItem = itemIds.get(rep.repeatOf);
		const rater = raters.remap[rep.rater]!;
		const first = oldItem === undefined ? -1 : scores[rep.dim]![items.remap[oldItem]! * R + rater]!;
		if (first < 0) unmatchedRepeats++;
		else repeats[rep.dim]!.push({ rater, first, repeat: rep.score });
	}

	return {
		scale,
		ascending: ascendingOf(scale),
		scales,
		dimensions,
		checkpoints: checkpoints ?? [''],
		raters: raters.names,
		items: items.names,
		cases: cases.names,
		itemCase,
		itemCheckpoint,
		scores,
		seconds,
		repeats,
		ratings: kept,
		repeatRatings: repeatRows.length,
		unmatchedRepeats,
		ignoredCheckpoint,
		ignoredDimension
	};
}

function ascendingOf(scale: readonly number[]): number[] {
	return [...scale.keys()].sort((x, y) => scale[x]! - scale[y]!);
}

/**
 * The dimensions grouped by scale, in order of first appearance: each group a view of `p` over
 * its dimensions only (their scores, repeats and scale), and their indices in `p.dimensions`. A
 * form on one scale gives one group, `p` itself, so its results are those of a single pass.
 */
export function byScale(p: Prepared): { view: Prepared; dims: number[] }[] {
	const groups = new Map<string, number[]>();
	p.scales.forEach((scale, d) => {
		const key = scale.join(',');
		groups.set(key, [...(groups.get(key) ?? []), d]);
	});
	if (groups.size <= 1) return [{ view: p, dims: p.dimensions.map((_, d) => d) }];
	return [...groups.values()].map((dims) => {
		const scale = p.scales[dims[0]!]!;
		return {
			dims,
			view: {
				...p,
				scale,
				ascending: ascendingOf(scale),
				scales: dims.map(() => scale),
				dimensions: dims.map((d) => p.dimensions[d]!),
				scores: dims.map((d) => p.scores[d]!),
				repeats: dims.map((d) => p.repeats[d]!)
			}
		};
	});
}

/**
 * Per dimension, rating counts per (checkpoint k, case c, scale index s) at (k·C + c)·V + s.
 * Scores are few distinct values, so counts carry everything the rating tables need.
 */
export function cellCounts(p: Prepared): Int32Array[] {
	const R = p.raters.length;
	const C = p.cases.length;
	const V = p.scale.length;
	return p.scores.map((matrix) => {
		const counts = new Int32Array(p.checkpoints.length * C * V);
		for (let i = 0; i < p.items.length; i++) {
			const base = (p.itemCheckpoint[i]! * C + p.itemCase[i]!) * V;
			for (let r = 0, cell = i * R; r < R; r++, cell++) {
				const s = matrix[cell]!;
				if (s >= 0) counts[base + s]!++;
			}
		}
		return counts;
	});
}

/** The values behind counts[offset … offset + V), in ascending order (describe() sorts them). */
export function expand(p: Prepared, counts: ArrayLike<number>, offset: number): number[] {
	const out: number[] = [];
	for (const s of p.ascending) {
		const v = p.scale[s]!;
		for (let n = counts[offset + s]!; n > 0; n--) out.push(v);
	}
	return out;
}
