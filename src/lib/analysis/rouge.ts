import { porterStem } from './porter-stemmer';

/**
 * ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum as defined by Google's rouge_score package
 * (google-research/google-research, rouge/rouge_scorer.py, tokenize.py, scoring.py), which
 * replicates ROUGE-1.5.5 (Lin, C.-Y. "ROUGE: a Package for Automatic Evaluation of Summaries",
 * WAS 2004). Reproduced to the last bit of a double; see tests/fixtures/make-rouge-reference.py.
 */

export type RougeType = 'rouge1' | 'rouge2' | 'rougeL' | 'rougeLsum';

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

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
	const counts = new Map<string, number>();
	for (let i = 0; i + n <= tokens.length; i++) {
		// Tokens never contain a space, so joining with one is an injective n-gram key.
		const key = tokens.slice(i, i + n).join(' ');
		counts.set(key, (counts.get(key) ?? 0) + 1);
	}
	return counts;
}

/**
 * ROUGE-N with clipped counts: overlap = Σ_g min(count_ref(g), count_cand(g));
 * precision = overlap / max(#cand n-grams, 1), recall = overlap / max(#ref n-grams, 1).
 */
function scoreNgrams(reference: readonly string[], candidate: readonly string[], n: number) {
	const ref = ngramCounts(reference, n);
	const cand = ngramCounts(candidate, n);
	let overlap = 0;
	for (const [gram, count] of ref) overlap += Math.min(count, cand.get(gram) ?? 0);
	const refTotal = Math.max(reference.length - n + 1, 0);
	const candTotal = Math.max(candidate.length - n + 1, 0);
	const precision = overlap / Math.max(candTotal, 1);
	const recall = overlap / Math.max(refTotal, 1);
	return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** (|a|+1)×(|b|+1) LCS length table, row-major in one array. */
function lcsTable(a: readonly string[], b: readonly string[]): Int32Array {
	const cols = b.length + 1;
	const t = new Int32Array((a.length + 1) * cols);
	for (let i = 1; i <= a.length; i++) {
		for (let j = 1; j <= b.length; j++) {
			t[i * cols + j] =
				a[i - 1] === b[j - 1]
					? t[(i - 1) * cols + j - 1]! + 1
					: Math.max(t[(i - 1) * cols + j]!, t[i * cols + j - 1]!);
		}
	}
	return t;
}

function lcsLength(a: readonly string[], b: readonly string[]): number {
	// Two rows suffice for the length; the full table is only needed for backtracking.
	let prev = new Int32Array(b.length + 1);
	let cur = new Int32Array(b.length + 1);
	for (let i = 1; i <= a.length; i++) {
		for (let j = 1; j <= b.length; j++) {
			cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
		}
		[prev, cur] = [cur, prev];
	}
	return prev[b.length]!;
}

/** ROUGE-L (sentence level): precision = LCS/|cand|, recall = LCS/|ref|; 0 if either is empty. */
function scoreLcs(reference: readonly string[], candidate: readonly string[]): RougeScore {
	if (reference.length === 0 || candidate.length === 0) return { ...ZERO };
	const lcs = lcsLength(reference, candidate);
	const precision = lcs / candidate.length;
	const recall = lcs / reference.length;
	return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/**
 * Indices into `ref` of one LCS with `cand`. Which LCS is picked changes ROUGE-Lsum, so the
 * backtracking must stay rouge_score's: take a match whenever the tokens are equal, otherwise
 * move left only if that cell is strictly larger than the one above.
 */
function lcsIndices(ref: readonly string[], cand: readonly string[]): number[] {
	const t = lcsTable(ref, cand);
	const cols = cand.length + 1;
	const out: number[] = [];
	let i = ref.length;
	let j = cand.length;
	while (i > 0 && j > 0) {
		if (ref[i - 1] === cand[j - 1]) {
			out.push(i - 1);
			i--;
			j--;
		} else if (t[i * cols + j - 1]! > t[(i - 1) * cols + j]!) j--;
		else i--;
	}
	return out.reverse();
}

function countTokens(sentences: readonly (readonly string[])[]): Map<string, number> {
	const counts = new Map<string, number>();
	for (const s of sentences) for (const t of s) counts.set(t, (counts.get(t) ?? 0) + 1);
	return counts;
}

/**
 * Summary-level ROUGE-L (Lin 2004, §3.2) as ROUGE-1.5.5 and rouge_score compute it: for each
 * reference sentence, the union of its LCS index sets with every candidate sentence; each token
 * of that union is a hit only while both the reference and the candidate still have an unused
 * occurrence of it (no double counting). precision = hits/|cand tokens|, recall = hits/|ref tokens|.
 */
function scoreSummaryLcs(
	reference: readonly (readonly string[])[],
	candidate: readonly (readonly string[])[]
): RougeScore {
	if (reference.length === 0 || candidate.length === 0) return { ...ZERO };
	const m = reference.reduce((s, x) => s + x.length, 0);
	const n = candidate.reduce((s, x) => s + x.length, 0);
	if (m === 0 || n === 0) return { ...ZERO };
	const refLeft = countTokens(reference);
	const candLeft = countTokens(candidate);
	let hits = 0;
	for (const r of reference) {
		const union = new Set<number>();
		for (const c of candidate) for (const idx of lcsIndices(r, c)) union.add(idx);
		for (const idx of [...union].sort((x, y) => x - y)) {
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

/** rouge_score's sentence split for rougeLsum: on "\n" only, dropping empty lines. */
function sentences(text: string): string[] {
	return text.split('\n').filter((s) => s.length > 0);
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
	const ref = rougeTokenize(reference, opts);
	const cand = rougeTokenize(candidate, opts);
	return {
		rouge1: scoreNgrams(ref, cand, 1),
		rouge2: scoreNgrams(ref, cand, 2),
		rougeL: scoreLcs(ref, cand),
		rougeLsum: scoreSummaryLcs(
			sentences(reference).map((s) => rougeTokenize(s, opts)),
			sentences(candidate).map((s) => rougeTokenize(s, opts))
		)
	};
}
