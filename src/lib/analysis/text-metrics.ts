/**
 * How much an expert changed a generated letter: Levenshtein distance between the letter and
 * its corrected version, over words and over characters.
 */

export interface EditDistance {
	/** Minimum number of insertions, deletions and substitutions (each cost 1). */
	distance: number;
	/** distance / max(|a|, |b|), in [0, 1]; 0 when both are empty. */
	normalized: number;
	/** Length of the first text in units (words or characters). */
	lengthA: number;
	/** Length of the second text in units. */
	lengthB: number;
}

/**
 * Levenshtein distance between two sequences with unit costs (Levenshtein 1966): the value of
 * the Wagner & Fischer (1974) dynamic programme D[i][j] = min(D[i−1][j] + 1, D[i][j−1] + 1,
 * D[i−1][j−1] + [aᵢ ≠ bⱼ]), computed 32 cells at a time by Myers' bit-vector algorithm (Myers
 * 1999, J. ACM 46(3)) in Hyyrö's (2003) formulation for edit distance, over blocks of 32 rows:
 * O(⌈|short|/32⌉·|long|) word operations and O(|long| + alphabet) memory. A common prefix and
 * suffix cost nothing in an optimal alignment, so they are skipped first. Elements are equal
 * when they are the same Map key (SameValueZero: === except that NaN equals NaN).
 */
export function levenshtein<T>(a: ArrayLike<T>, b: ArrayLike<T>): number {
	// The shorter sequence is the pattern, cut into blocks of 32 rows.
	const [long, short] = a.length >= b.length ? [a, b] : [b, a];
	let start = 0;
	while (start < short.length && long[start] === short[start]) start++;
	let endLong = long.length;
	let endShort = short.length;
	while (endShort > start && long[endLong - 1] === short[endShort - 1]) {
		endLong--;
		endShort--;
	}
	const n = endLong - start;
	const m = endShort - start;
	if (m === 0) return n;
	// Symbols as small integers: the pattern's first, so a text symbol ≥ their count never matches.
	const symbols = new Map<T, number>();
	const pattern = new Int32Array(m);
	for (let k = 0; k < m; k++) {
		const x = short[start + k]!;
		let id = symbols.get(x);
		if (id === undefined) symbols.set(x, (id = symbols.size));
		pattern[k] = id;
	}
	const alphabet = symbols.size;
	const text = new Int32Array(n);
	for (let i = 0; i < n; i++) text[i] = symbols.get(long[start + i]!) ?? alphabet;
	// peq[symbol]: bit r set when row r of the current block holds that symbol (never the last).
	const peq = new Int32Array(alphabet + 1);
	// Horizontal deltas D[row][i] − D[row][i − 1] (+1, −1 or 0) along the block boundary below
	// the rows done so far, one bit per column; row 0 is D[0][i] = i, all +1.
	const words = (n + 31) >>> 5;
	const phc = new Int32Array(words).fill(-1);
	const mhc = new Int32Array(words);
	let score = 0;
	for (let first = 0; first < m; first += 32) {
		const rows = Math.min(32, m - first);
		const last = rows - 1;
		for (let r = 0; r < rows; r++) peq[pattern[first + r]!]! |= 1 << r;
		// Vertical deltas down column 0 (D[r][0] = r): all +1.
		let pv = -1;
		let mv = 0;
		score = first + rows;
		for (let i = 0; i < n; i++) {
			const w = i >>> 5;
			const bit = 1 << (i & 31);
			const pb = phc[w]! & bit ? 1 : 0;
			const mb = mhc[w]! & bit ? 1 : 0;
			const eq = peq[text[i]!]!;
			const xv = eq | mv;
			const xh = ((((eq | mb) & pv) + pv) ^ pv) | eq | mb;
			let ph = mv | ~(xh | pv);
			let mh = pv & xh;
			// The horizontal delta out of the block's last row is the next block's input.
			const po = (ph >>> last) & 1;
			const mo = (mh >>> last) & 1;
			score += po - mo;
			if (po) phc[w]! |= bit;
			else phc[w]! &= ~bit;
			if (mo) mhc[w]! |= bit;
			else mhc[w]! &= ~bit;
			ph = (ph << 1) | pb;
			mh = (mh << 1) | mb;
			pv = mh | ~(xv | ph);
			mv = ph & xv;
		}
		for (let r = 0; r < rows; r++) peq[pattern[first + r]!] = 0;
	}
	return score;
}

/**
 * Word tokens for edit distance: the text is NFC-normalized, then split into runs of letters,
 * digits and combining marks (a word: "Größe", "40,05" is three tokens "40" "," "05") and single
 * other non-space characters (punctuation and symbols, each its own token). Case is kept, and so
 * is punctuation, because an expert's correction of either is an edit; whitespace and line
 * breaks are not tokens, so re-wrapping a letter costs nothing.
 */
export function editTokens(text: string): string[] {
	return text.normalize('NFC').match(/[\p{L}\p{M}\p{N}]+|[^\s\p{L}\p{M}\p{N}]/gu) ?? [];
}

/**
 * Levenshtein distance of two token sequences with normalized = distance / max(|a|, |b|) (0 when
 * both are empty). Callers comparing one text many times can pass its tokens mapped to integer
 * ids: the result is the same, only faster.
 */
export function editDistanceOf<T>(a: ArrayLike<T>, b: ArrayLike<T>): EditDistance {
	const distance = levenshtein(a, b);
	const longest = Math.max(a.length, b.length);
	return {
		distance,
		normalized: longest === 0 ? 0 : distance / longest,
		lengthA: a.length,
		lengthB: b.length
	};
}

/**
 * Word-level edit distance between a letter and its corrected version: Levenshtein over
 * `editTokens`, with normalized = distance / max(#tokens). Symmetric.
 */
export function wordEditDistance(original: string, corrected: string): EditDistance {
	return editDistanceOf(editTokens(original), editTokens(corrected));
}

/**
 * Character-level edit distance: Levenshtein over the Unicode code points of the NFC-normalized
 * texts (all characters, whitespace included), normalized by the longer length. Quadratic: about
 * 25 million cell updates for two 5,000-character letters.
 */
export function charEditDistance(original: string, corrected: string): EditDistance {
	return editDistanceOf(
		Array.from(original.normalize('NFC')),
		Array.from(corrected.normalize('NFC'))
	);
}
