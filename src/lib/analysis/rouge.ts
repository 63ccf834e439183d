// Over 300 lines: a port of one reference implementation, kept in its order for checking.
import { porterStem } from './porter-stemmer';

/**
 * ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum as defined by Google's rouge_score package
 * (google-research/google-research, rouge/rouge_scorer.py, tokenize.py, scoring.py), which
 * replicates ROUGE-1.5.5 (Lin, C.-Y. "ROUGE: a Package for Automatic Evaluation of Summaries",
 * WAS 2004). Reproduced to the last bit of a double; see tests/fixtures/make-rouge-reference.py.
 */

export type RougeType = 'rouge1' | 'rouge2' | 'rougeL' | 'rougeLsum';
export const ROUGE_TYPES: readonly RougeType[] = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'];

export interface RougeScore {
	precision: number;
	recall: number;
	fmeasure: number;
}

export type RougeTokenizer = 'rouge_score' | 'unicode';

export interface RougeOptions {
	/** Porter-stem tokens longer than 3 characters (rouge_score's `use_stemmer`). Default false. */
	stemmer?: boolean;
	/**
	 * `rouge_score` (default): lowercase, every character outside [a-z0-9] is a separator, so
	 * "Bestrahlungsplanung für Lymphknoten" loses its ü ("f", "r"). `unicode`: NFC-normalized,
	 * lowercased runs of Unicode letters and digits (combining marks stay inside the word), so
	 * German umlauts and ß survive.
	 */
	tokenizer?: RougeTokenizer;
}

const ASCII_TOKEN = /^[a-z0-9]+$/;

/**
 * Tokens as ROUGE compares them.
 *
 * `rouge_score`: `text.lower()`, `[^a-z0-9]+` → space, split on whitespace, Porter-stem tokens of
 * more than 3 characters when `stemmer` is set, keep tokens matching `^[a-z0-9]+$`.
 *
 * `unicode`: NFC, lowercase, NFC again (lowercasing can decompose, e.g. İ → i + U+0307), then
 * tokens are maximal runs starting with a letter or digit (\p{L}, \p{N}) and continuing with
 * letters, digits or combining marks (\p{M}). ß is kept (not folded to "ss"). With `stemmer`,
 * only all-ASCII tokens of more than 3 characters are stemmed: the Porter algorithm is defined
 * for English spelling, and a word with ä/ö/ü/ß is left whole rather than cut by rules that
 * would treat the umlaut as a consonant.
 */
export function rougeTokenize(text: string, opts: RougeOptions = {}): string[] {
	const stem = opts.stemmer ?? false;
	if ((opts.tokenizer ?? 'rouge_score') === 'unicode') {
		const lower = text.normalize('NFC').toLowerCase().normalize('NFC');
		const tokens = lower.match(/[\p{L}\p{N}][\p{L}\p{M}\p{N}]*/gu) ?? [];
		return stem
			? tokens.map((t) => (t.length > 3 && ASCII_TOKEN.test(t) ? porterStem(t) : t))
			: tokens;
	}
	const raw = text
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, ' ')
		.split(/\s+/);
	const tokens = stem ? raw.map((t) => (t.length > 3 ? porterStem(t) : t)) : raw;
	return tokens.filter((t) => ASCII_TOKEN.test(t));
}

/** rouge_score's `scoring.fmeasure`: harmonic mean, 0 when precision + recall is 0. */
function fmeasure(precision: number, recall: number): number {
	return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

const ZERO: RougeScore = { precision: 0, recall: 0, fmeasure: 0 };

/** Token → id, shared by every document compared with another (see rougeDocument). */
export type RougeVocabulary = Map<string, number>;

/** A text tokenized once for any number of ROUGE comparisons (rougeDocument). */
export interface RougeDocument {
	vocabulary: RougeVocabulary;
	/** Token ids per sentence: the non-empty lines, as rouge_score splits them for rougeLsum. */
	sentences: Int32Array[];
	/** Every token id in order: the sentences concatenated. */
	tokens: Int32Array;
	/** The token ids sorted: the unigram multiset. */
	unigrams: Int32Array;
	/** Bigram keys first·2²⁶ + second (exact in a double), sorted: the bigram multiset. */
	bigrams: Float64Array;
}

/** Bigram keys stay exact integers below 2⁵³ while ids stay below this. */
const BIGRAM_BASE = 2 ** 26;

/** rouge_score's sentence split for rougeLsum: on "\n" only, dropping empty lines. */
function sentences(text: string): string[] {
	return text.split('\n').filter((s) => s.length > 0);
}

/**
 * `text` tokenized as rougeScores tokenizes it, with token ids from `vocabulary` (pass the same
 * vocabulary for every document that will be compared; a fresh one by default). The whole-text
 * tokens are the sentences' tokens concatenated: neither tokenizer lets a token or its case
 * mapping span a line break (the tests check this against rougeTokenize of the whole text).
 */
export function rougeDocument(
	text: string,
	opts: RougeOptions = {},
	vocabulary: RougeVocabulary = new Map()
): RougeDocument {
	const idOf = (token: string): number => {
		let id = vocabulary.get(token);
		if (id === undefined) {
			id = vocabulary.size;
			if (id >= BIGRAM_BASE) throw new RangeError('ROUGE vocabulary too large');
			vocabulary.set(token, id);
		}
		return id;
	};
	const sentenceIds = sentences(text).map((s) => Int32Array.from(rougeTokenize(s, opts), idOf));
	const tokens = new Int32Array(sentenceIds.reduce((n, s) => n + s.length, 0));
	let offset = 0;
	for (const s of sentenceIds) {
		tokens.set(s, offset);
		offset += s.length;
	}
	const bigrams = new Float64Array(Math.max(tokens.length - 1, 0));
	for (let i = 0; i < bigrams.length; i++) bigrams[i] = tokens[i]! * BIGRAM_BASE + tokens[i + 1]!;
	return {
		vocabulary,
		sentences: sentenceIds,
		tokens,
		unigrams: tokens.slice().sort(),
		bigrams: bigrams.sort()
	};
}

/** Σ_g min(count_a(g), count_b(g)) of two sorted multisets, by one merge. */
function clippedOverlap(a: ArrayLike<number>, b: ArrayLike<number>): number {
	let overlap = 0;
	for (let i = 0, j = 0; i < a.length && j < b.length;) {
		if (a[i]! === b[j]!) {
			overlap++;
			i++;
			j++;
		} else if (a[i]! < b[j]!) i++;
		else j++;
	}
	return overlap;
}

/**
 * ROUGE-N with clipped counts: overlap = Σ_g min(count_ref(g), count_cand(g));
 * precision = overlap / max(#cand n-grams, 1), recall = overlap / max(#ref n-grams, 1).
 */
function scoreNgrams(
	ref: ArrayLike<number>,
	cand: ArrayLike<number>,
	refTotal: number,
	candTotal: number
): RougeScore {
	const overlap = clippedOverlap(ref, cand);
	const precision = overlap / Math.max(candTotal, 1);
	const recall = overlap / Math.max(refTotal, 1);
	return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/**
 * (|a|+1)×(|b|+1) LCS length table, row-major, written into `t` (reused across calls: row 0 and
 * column 0 are zero and every other cell is written before it is read).
 */
function lcsTable(a: Int32Array, b: Int32Array, t: Int32Array): void {
	const cols = b.length + 1;
	t.fill(0, 0, cols);
	for (let i = 1; i <= a.length; i++) {
		const x = a[i - 1]!;
		const row = i * cols;
		t[row] = 0;
		for (let j = 1; j <= b.length; j++) {
			t[row + j] =
				x === b[j - 1]!
					? t[row - cols + j - 1]! + 1
					: Math.max(t[row - cols + j]!, t[row + j - 1]!);
		}
	}
}

/**
 * Length of a longest common subsequence by the bit-parallel algorithm of Allison & Dix (1986)
 * in Hyyrö's (2004) form: one bit per element of `a`, V ← (V + (V & Mᵦ)) | (V & ~Mᵦ) for each
 * element β of `b` (the addition carries across 32-bit words), LCS = zero bits of V among the
 * |a| used.
 */
function lcsLength(a: Int32Array, b: Int32Array): number {
	const m = a.length;
	if (m === 0 || b.length === 0) return 0;
	const words = (m + 31) >>> 5;
	// match[slot·words + w]: bit r of word w set when a[32w + r] is the symbol of that slot.
	const slots = new Map<number, number>();
	const match: number[] = [];
	for (let r = 0; r < m; r++) {
		let slot = slots.get(a[r]!);
		if (slot === undefined) {
			slots.set(a[r]!, (slot = slots.size));
			for (let w = 0; w < words; w++) match.push(0);
		}
		match[slot * words + (r >>> 5)]! |= 1 << (r & 31);
	}
	const v = new Int32Array(words).fill(-1);
	for (let j = 0; j < b.length; j++) {
		const slot = slots.get(b[j]!);
		if (slot === undefined) continue;
		let carry = 0;
		for (let w = 0, x = slot * words; w < words; w++, x++) {
			const u = v[w]! & match[x]!;
			const sum = (v[w]! >>> 0) + (u >>> 0) + carry;
			carry = sum > 0xffffffff ? 1 : 0;
			v[w] = sum | 0 | (v[w]! & ~u);
		}
	}
	let lcs = 0;
	for (let r = 0; r < m; r++) if (((v[r >>> 5]! >>> (r & 31)) & 1) === 0) lcs++;
	return lcs;
}

/** ROUGE-L (sentence level): precision = LCS/|cand|, recall = LCS/|ref|; 0 if either is empty. */
function scoreLcs(reference: Int32Array, candidate: Int32Array): RougeScore {
	if (reference.length === 0 || candidate.length === 0) return { ...ZERO };
	const lcs = lcsLength(reference, candidate);
	const precision = lcs / candidate.length;
	const recall = lcs / reference.length;
	return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/**
 * Marks in `inUnion` the indices into `ref` of one LCS with `cand`. Which LCS is picked changes
 * ROUGE-Lsum, so the backtracking must stay rouge_score's: take a match whenever the tokens are
 * equal, otherwise move left only if that cell is strictly larger than the one above.
 */
function markLcs(ref: Int32Array, cand: Int32Array, t: Int32Array, inUnion: Uint8Array): void {
	lcsTable(ref, cand, t);
	const cols = cand.length + 1;
	let i = ref.length;
	let j = cand.length;
	while (i > 0 && j > 0) {
		if (ref[i - 1] === cand[j - 1]) {
			inUnion[i - 1] = 1;
			i--;
			j--;
		} else if (t[i * cols + j - 1]! > t[(i - 1) * cols + j]!) j--;
		else i--;
	}
}

function countTokens(tokens: Int32Array): Map<number, number> {
	const counts = new Map<number, number>();
	for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
	return counts;
}

/**
 * Summary-level ROUGE-L (Lin 2004, §3.2) as ROUGE-1.5.5 and rouge_score compute it: for each
 * reference sentence, the union of its LCS index sets with every candidate sentence; each token
 * of that union, in sentence order, is a hit only while both the reference and the candidate
 * still have an unused occurrence of it (no double counting). precision = hits/|cand tokens|,
 * recall = hits/|ref tokens|.
 */
function scoreSummaryLcs(reference: RougeDocument, candidate: RougeDocument): RougeScore {
	if (reference.sentences.length === 0 || candidate.sentences.length === 0) return { ...ZERO };
	const m = reference.tokens.length;
	const n = candidate.tokens.length;
	if (m === 0 || n === 0) return { ...ZERO };
	const refLeft = countTokens(reference.tokens);
	const candLeft = countTokens(candidate.tokens);
	const longest = (d: RougeDocument) => d.sentences.reduce((x, s) => Math.max(x, s.length), 0);
	const table = new Int32Array((longest(reference) + 1) * (longest(candidate) + 1));
	const inUnion = new Uint8Array(longest(reference));
	let hits = 0;
	for (const r of reference.sentences) {
		inUnion.fill(0);
		for (const c of candidate.sentences) markLcs(r, c, table, inUnion);
		for (let idx = 0; idx < r.length; idx++) {
			if (!inUnion[idx]) continue;
			const token = r[idx]!;
			const inCand = candLeft.get(token) ?? 0;
			const inRef = refLeft.get(token) ?? 0;
			if (inCand > 0 && inRef > 0) {
				hits++;
				candLeft.set(token, inCand - 1);
				refLeft.set(token, inRef - 1);
			}
		}
	}
	const precision = hits / n;
	const recall = hits / m;
	return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/**
 * rougeScores of two documents made by rougeDocument with the same vocabulary and options, so
 * that a text compared many times is tokenized once.
 */
export function rougeScoresOf(
	reference: RougeDocument,
	candidate: RougeDocument
): Record<RougeType, RougeScore> {
	if (reference.vocabulary !== candidate.vocabulary) {
		throw new RangeError('ROUGE documents must share one vocabulary');
	}
	const ref = reference.tokens;
	const cand = candidate.tokens;
	return {
		rouge1: scoreNgrams(reference.unigrams, candidate.unigrams, ref.length, cand.length),
		rouge2: scoreNgrams(
			reference.bigrams,
			candidate.bigrams,
			Math.max(ref.length - 1, 0),
			Math.max(cand.length - 1, 0)
		),
		rougeL: scoreLcs(ref, cand),
		rougeLsum: scoreSummaryLcs(reference, candidate)
	};
}

/**
 * ROUGE scores of `candidate` against `reference`, as rouge_score's
 * `RougeScorer(['rouge1', 'rouge2', 'rougeL', 'rougeLsum'], use_stemmer).score(reference,
 * candidate)`:
 * - rouge1/rouge2: clipped n-gram overlap, P = overlap/#cand n-grams, R = overlap/#ref n-grams;
 * - rougeL: P = LCS/|cand|, R = LCS/|ref| over the whole token sequences (newlines ignored);
 * - rougeLsum: summary-level union LCS over sentences, which are the non-empty lines;
 * F = 2PR/(P+R), and every score is 0 when a side has no tokens.
 * Defaults match rouge_score (`stemmer: false`, `tokenizer: 'rouge_score'`).
 */
export function rougeScores(
	reference: string,
	candidate: string,
	opts: RougeOptions = {}
): Record<RougeType, RougeScore> {
	const vocabulary: RougeVocabulary = new Map();
	return rougeScoresOf(
		rougeDocument(reference, opts, vocabulary),
		rougeDocument(candidate, opts, vocabulary)
	);
}
