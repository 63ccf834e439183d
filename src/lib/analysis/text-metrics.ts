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
 * Levenshtein distance between two sequences with unit costs (Levenshtein 1966; Wagner & Fischer
 * 1974 dynamic programme), in O(|a|·|b|) time and O(min(|a|, |b|)) memory. A common prefix and
 * suffix cost nothing in any optimal alignment, so they are skipped before the programme runs.
 */
export function levenshtein<T>(a: ArrayLike<T>, b: ArrayLike<T>): number {
	// Iterate over the longer sequence so the row is the shorter one.
	const [long, short] = a.length >= b.length ? [a, b] : [b, a];
	let start = 0;
	while (start < short.length && long[start] === short[start]) start++;
	let endLong = long.length;
	let endShort = short.length;
	while (endShort > start && long[endLong - 1] === short[endShort - 1]) {
		endLong--;
		endShort--;
	}
	const n = endShort - start;
	let prev = new Uint32Array(n + 1);
	let cur = new Uint32Array(n + 1);
	for (let j = 0; j <= n; j++) prev[j] = j;
	for (let i = 1; i <= endLong - start; i++) {
		cur[0] = i;
		const x = long[start + i - 1];
		for (let j = 1; j <= n; j++) {
			const substitution = prev[j - 1]! + (x === short[start + j - 1] ? 0 : 1);
			cur[j] = Math.min(substitution, prev[j]! + 1, cur[j - 1]! + 1);
		}
		[prev, cur] = [cur, prev];
	}
	return prev[n]!;
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
