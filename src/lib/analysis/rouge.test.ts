import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import reference from '../../../tests/fixtures/rouge-reference.json';
import {
	rougeDocument,
	rougeScores,
	rougeScoresOf,
	rougeTokenize,
	type RougeOptions,
	type RougeTokenizer,
	type RougeType
} from './rouge';

const TYPES: RougeType[] = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'];

describe('rougeTokenize', () => {
	it('drops every non-[a-z0-9] character by default, as rouge_score', () => {
		expect(rougeTokenize('Übelkeit: Grad 2, 50Gy (3D-CRT).')).toEqual([
			'belkeit',
			'grad',
			'2',
			'50gy',
			'3d',
			'crt'
		]);
	});

	it('keeps umlauts and ß with the unicode tokenizer, NFC-normalized', () => {
		expect(rougeTokenize('Übelkeit für Ru\u0308cken, STRAẞE', { tokenizer: 'unicode' })).toEqual([
			'übelkeit',
			'für',
			'rücken',
			'straße'
		]);
	});

	it('stems only tokens longer than 3 characters, and only ASCII ones in unicode mode', () => {
		expect(rougeTokenize('use uses treatments', { stemmer: true })).toEqual([
			'use',
			'use',
			'treatment'
		]);
		expect(
			rougeTokenize('treatments Bestrahlungen Größen', { stemmer: true, tokenizer: 'unicode' })
		).toEqual(['treatment', 'bestrahlungen', 'größen']);
	});
});

describe('rougeScores', () => {
	it('computes hand-checkable values', () => {
		// ref tokens: the cat sat on the mat (6); cand: the cat on the mat (5).
		const s = rougeScores('The cat sat on the mat.', 'the cat on the mat');
		// Unigrams: the×2, cat, on, mat all matched → 5. P = 5/5, R = 5/6.
		expect(s.rouge1.precision).toBe(1);
		expect(s.rouge1.recall).toBe(5 / 6);
		expect(s.rouge1.fmeasure).toBeCloseTo((2 * (5 / 6)) / (1 + 5 / 6), 15);
		// Bigrams: ref {the cat, cat sat, sat on, on the, the mat}; cand {the cat, cat on, on the,
		// the mat} → 3 shared. P = 3/4, R = 3/5.
		expect(s.rouge2.precision).toBe(3 / 4);
		expect(s.rouge2.recall).toBe(3 / 5);
		// LCS = "the cat on the mat" = 5.
		expect(s.rougeL.precision).toBe(1);
		expect(s.rougeL.recall).toBe(5 / 6);
		expect(s.rougeLsum).toEqual(s.rougeL);
	});

	it('clips repeated n-grams to the reference count', () => {
		const s = rougeScores('the the the the cat', 'the cat the');
		// Overlap: min(4, 2) for "the" + min(1, 1) for "cat" = 3 → P = 3/3, R = 3/5.
		expect(s.rouge1.precision).toBe(1);
		expect(s.rouge1.recall).toBe(3 / 5);
	});

	it('returns zeros for empty sides', () => {
		for (const [a, b] of [
			['', ''],
			['text', ''],
			['', 'text'],
			['...', '!!!']
		] as const) {
			for (const t of TYPES) {
				expect(rougeScores(a, b)[t]).toEqual({ precision: 0, recall: 0, fmeasure: 0 });
			}
		}
	});

	it('splits sentences for rougeLsum on newlines and does not double count', () => {
		// Reference sentences "a b" and "a c"; candidate "a b c" as one sentence.
		// Union LCS: "a b" → {a, b}; "a c" → {a, c}; hits: a, b (a, b left in both), then a is
		// exhausted in the candidate (1 a) → only c → hits = 3 of 4 ref tokens, 3 of 3 cand tokens.
		const s = rougeScores('a b\na c', 'a b c');
		expect(s.rougeLsum.recall).toBe(3 / 4);
		expect(s.rougeLsum.precision).toBe(1);
		// Sentence-level rougeL ignores the newline: LCS("a b a c", "a b c") = 3.
		expect(s.rougeL.recall).toBe(3 / 4);
	});

	it('treats German words as wholes only with the unicode tokenizer', () => {
		const ref = 'Rötung der Haut';
		const cand = 'Rötung';
		// Default tokens: r, tung | r, tung, der, haut.
		expect(rougeScores(ref, cand).rouge1.recall).toBe(2 / 4);
		expect(rougeScores(ref, cand, { tokenizer: 'unicode' }).rouge1.recall).toBe(1 / 3);
	});

	const cases = reference.cases;
	const variants = cases.flatMap((c) => c.results.map((r) => ({ ...c, ...r })));

	it(`matches the Python reference on ${variants.length} case variants to 1e-12`, () => {
		let maxError = 0;
		for (const v of variants) {
			const got = rougeScores(v.reference, v.candidate, {
				stemmer: v.stemmer,
				tokenizer: v.tokenizer as RougeTokenizer
			});
			for (const t of TYPES) {
				for (const k of ['precision', 'recall', 'fmeasure'] as const) {
					const err = Math.abs(got[t][k] - v.scores[t][k]);
					maxError = Math.max(maxError, err);
					if (err > 1e-12) {
						expect.fail(`${v.name} ${v.tokenizer} stem=${v.stemmer} ${t}.${k}: ${got[t][k]}`);
					}
				}
			}
		}
		// The implementation follows the same arithmetic, so the doubles agree exactly.
		expect(maxError).toBe(0);
	});
});

describe('rougeDocument', () => {
	const OPTIONS: RougeOptions[] = [
		{},
		{ stemmer: true },
		{ tokenizer: 'unicode' },
		{ tokenizer: 'unicode', stemmer: true }
	];
	// Characters whose case mapping or normalization depends on context: final sigma, dotted
	// capital I, combining marks at line starts, sharp s.
	const text = fc
		.array(
			fc.constantFrom(
				...[
					'Σ',
					'σ',
					'ς',
					'İ',
					'\u0307',
					'\u0301',
					'A',
					'e',
					'ß',
					'ẞ',
					'Ä',
					'ing',
					' ',
					'\n',
					'.',
					'3'
				]
			),
			{ maxLength: 30 }
		)
		.map((xs) => xs.join(''));

	it("whole-text tokens are the sentences' tokens concatenated", () => {
		fc.assert(
			fc.property(text, (t) => {
				for (const opts of OPTIONS) {
					const vocabulary = new Map<string, number>();
					const doc = rougeDocument(t, opts, vocabulary);
					const names = [...vocabulary.keys()];
					expect([...doc.tokens].map((id) => names[id])).toEqual(rougeTokenize(t, opts));
				}
			}),
			{ numRuns: 400 }
		);
	});

	it('scores documents sharing a vocabulary as rougeScores scores the texts', () => {
		const vocabulary = new Map<string, number>();
		const docs = reference.cases.map((c) => ({
			ref: rougeDocument(c.reference, {}, vocabulary),
			cand: rougeDocument(c.candidate, {}, vocabulary),
			c
		}));
		for (const { ref, cand, c } of docs) {
			expect(rougeScoresOf(ref, cand)).toEqual(rougeScores(c.reference, c.candidate));
		}
		expect(() => rougeScoresOf(rougeDocument('a'), rougeDocument('a'))).toThrow(RangeError);
	});
});

describe('rougeL on long texts', () => {
	it('takes the LCS of the full table, across 32-token words of the bit-parallel form', () => {
		const lcs = (a: readonly string[], b: readonly string[]): number => {
			let prev = new Array<number>(b.length + 1).fill(0);
			for (let i = 1; i <= a.length; i++) {
				const cur = [0];
				for (let j = 1; j <= b.length; j++) {
					cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
				}
				prev = cur;
			}
			return prev[b.length]!;
		};
		const words = (max: number) =>
			fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { minLength: 1, maxLength: max });
		fc.assert(
			fc.property(words(150), words(120), (ref, cand) => {
				const s = rougeScores(ref.join(' '), cand.join(' '));
				expect(s.rougeL.recall).toBe(lcs(ref, cand) / ref.length);
				expect(s.rougeL.precision).toBe(lcs(ref, cand) / cand.length);
			}),
			{ numRuns: 300 }
		);
	});
});
