import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
	charEditDistance,
	editDistanceOf,
	editTokens,
	levenshtein,
	wordEditDistance
} from './text-metrics';

describe('levenshtein', () => {
	// The full Wagner–Fischer table, without the bit-vector and prefix/suffix shortcuts.
	const table = <T>(a: readonly T[], b: readonly T[]): number => {
		let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
		for (let i = 1; i <= a.length; i++) {
			const cur = [i];
			for (let j = 1; j <= b.length; j++) {
				const sub = prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
				cur[j] = Math.min(sub, prev[j]! + 1, cur[j - 1]! + 1);
			}
			prev = cur;
		}
		return prev[b.length]!;
	};

	it('gives textbook distances', () => {
		const chars = (s: string) => Array.from(s);
		expect(levenshtein(chars('kitten'), chars('sitting'))).toBe(3);
		expect(levenshtein(chars('flaw'), chars('lawn'))).toBe(2);
		expect(levenshtein(chars(''), chars('abc'))).toBe(3);
		expect(levenshtein(chars('abc'), chars(''))).toBe(3);
		expect(levenshtein(chars('intention'), chars('execution'))).toBe(5);
		expect(levenshtein([], [])).toBe(0);
	});

	// Small alphabets make equal elements, and so interesting alignments, likely.
	const seq = fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 12 });

	it('is a metric: identity, symmetry, triangle inequality', () => {
		fc.assert(
			fc.property(seq, seq, seq, (a, b, c) => {
				const ab = levenshtein(a, b);
				expect(levenshtein(a, a)).toBe(0);
				expect(ab === 0).toBe(a.join() === b.join());
				expect(levenshtein(b, a)).toBe(ab);
				expect(levenshtein(a, c)).toBeLessThanOrEqual(ab + levenshtein(b, c));
			}),
			{ numRuns: 500 }
		);
	});

	it('lies between the length difference and the longer length', () => {
		fc.assert(
			fc.property(seq, seq, (a, b) => {
				const d = levenshtein(a, b);
				expect(d).toBeGreaterThanOrEqual(Math.abs(a.length - b.length));
				expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
			}),
			{ numRuns: 500 }
		);
	});

	it('agrees with a plain recursive definition', () => {
		const naive = (a: string[], b: string[]): number => {
			if (a.length === 0) return b.length;
			if (b.length === 0) return a.length;
			const cost = a[0] === b[0] ? 0 : 1;
			return Math.min(
				naive(a.slice(1), b) + 1,
				naive(a, b.slice(1)) + 1,
				naive(a.slice(1), b.slice(1)) + cost
			);
		};
		const short = fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 6 });
		fc.assert(
			fc.property(short, short, (a, b) => {
				expect(levenshtein(a, b)).toBe(naive(a, b));
			}),
			{ numRuns: 300 }
		);
	});

	it('skips shared prefixes and suffixes without changing the distance, on tokens or ids', () => {
		const part = fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 12 });
		fc.assert(
			fc.property(part, part, part, part, (prefix, a, b, suffix) => {
				const x = [...prefix, ...a, ...suffix];
				const y = [...prefix, ...b, ...suffix];
				const ids = (xs: string[]) => Int32Array.from(xs, (t) => t.charCodeAt(0));
				const d = table(x, y);
				expect(levenshtein(x, y)).toBe(d);
				expect(editDistanceOf(ids(x), ids(y))).toEqual(editDistanceOf(x, y));
				expect(editDistanceOf(x, y).distance).toBe(d);
			}),
			{ numRuns: 500 }
		);
	});

	it('agrees with the full table across 32-row blocks, on long and unequal sequences', () => {
		const long = (max: number) =>
			fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { minLength: 0, maxLength: max });
		fc.assert(
			fc.property(long(160), long(100), (a, b) => {
				expect(levenshtein(a, b)).toBe(table(a, b));
			}),
			{ numRuns: 400 }
		);
		// Exactly at block edges, and an alphabet wider than the pattern's.
		for (const len of [31, 32, 33, 63, 64, 65, 96, 97]) {
			const a = Array.from({ length: len }, (_, i) => (i * 7) % 5);
			const b = Array.from({ length: len + 3 }, (_, i) => (i * 3) % 11);
			expect(levenshtein(a, b)).toBe(table(a, b));
			expect(levenshtein(b, a)).toBe(table(a, b));
		}
	});
});

describe('editTokens', () => {
	it('splits words, keeps punctuation as tokens and ignores whitespace', () => {
		expect(editTokens('Größe: 40,05 Gy.\n  Gut vertragen!')).toEqual([
			'Größe',
			':',
			'40',
			',',
			'05',
			'Gy',
			'.',
			'Gut',
			'vertragen',
			'!'
		]);
		expect(editTokens('Ru\u0308cken')).toEqual(['Rücken']);
		expect(editTokens('  \n ')).toEqual([]);
	});
});

describe('wordEditDistance', () => {
	it('counts word edits by hand', () => {
		const d = wordEditDistance(
			'The patient tolerated the treatment well.',
			'The patient tolerated radiotherapy very well.'
		);
		// the → radiotherapy, treatment → very: 2 substitutions of 7 tokens.
		expect(d).toEqual({ distance: 2, normalized: 2 / 7, lengthA: 7, lengthB: 7 });
		expect(wordEditDistance('50 Gy', '50 Gy.')).toEqual({
			distance: 1,
			normalized: 1 / 3,
			lengthA: 2,
			lengthB: 3
		});
		expect(wordEditDistance('a\nb', 'a  b')).toMatchObject({ distance: 0, normalized: 0 });
		expect(wordEditDistance('', '')).toEqual({
			distance: 0,
			normalized: 0,
			lengthA: 0,
			lengthB: 0
		});
		expect(wordEditDistance('', 'Neu')).toMatchObject({ distance: 1, normalized: 1 });
	});

	it('is symmetric and normalized to [0, 1]', () => {
		fc.assert(
			fc.property(fc.string({ maxLength: 60 }), fc.string({ maxLength: 60 }), (a, b) => {
				const ab = wordEditDistance(a, b);
				expect(wordEditDistance(b, a).distance).toBe(ab.distance);
				expect(ab.normalized).toBeGreaterThanOrEqual(0);
				expect(ab.normalized).toBeLessThanOrEqual(1);
				expect(wordEditDistance(a, a).distance).toBe(0);
			})
		);
	});
});

describe('charEditDistance', () => {
	it('counts code points, NFC-normalized', () => {
		expect(charEditDistance('kitten', 'sitting')).toEqual({
			distance: 3,
			normalized: 3 / 7,
			lengthA: 6,
			lengthB: 7
		});
		// Decomposed ü equals precomposed ü; an emoji is one code point.
		expect(charEditDistance('Ru\u0308cken', 'Rücken').distance).toBe(0);
		expect(charEditDistance('a😀', 'a').distance).toBe(1);
	});

	it('satisfies the triangle inequality on strings', () => {
		const text = fc.string({ unit: fc.constantFrom('a', 'b', ' ', 'ä'), maxLength: 15 });
		fc.assert(
			fc.property(text, text, text, (a, b, c) => {
				expect(charEditDistance(a, c).distance).toBeLessThanOrEqual(
					charEditDistance(a, b).distance + charEditDistance(b, c).distance
				);
			})
		);
	});
});
