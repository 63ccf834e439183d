import { describe, expect, it } from 'vitest';
import { moveSelection, pieces, selectedPassage } from './mark-text';

const keys = (key: string, shiftKey = false, ctrlKey = false) => ({
	key,
	shiftKey,
	ctrlKey,
	altKey: false
});

describe('pieces', () => {
	it('cuts the letter at every boundary of overlapping marks', () => {
		const letter = 'abcdefghij';
		const got = pieces(letter, [
			{ id: 'x', start: 2, end: 6 },
			{ id: 'y', start: 4, end: 8 },
			{ id: 'o', start: null, end: null }
		]);
		expect(got.map((p) => [p.text, p.marks])).toEqual([
			['ab', []],
			['cd', ['x']],
			['ef', ['x', 'y']],
			['gh', ['y']],
			['ij', []]
		]);
		expect(got.map((p) => p.text).join('')).toBe(letter);
	});

	it('ignores a mark beyond the letter', () => {
		expect(pieces('abc', [{ id: 'x', start: 1, end: 9 }])).toEqual([
			{ text: 'abc', start: 0, end: 3, marks: [] }
		]);
	});
});

describe('moveSelection', () => {
	const text = 'Dose 60 Gy\nin 20 🙂 fractions';

	it('extends by characters and words with shift, moves the caret without', () => {
		let sel = { anchor: 5, focus: 5 };
		sel = moveSelection(text, sel, keys('ArrowRight', true))!;
		sel = moveSelection(text, sel, keys('ArrowRight', true))!;
		expect(selectedPassage(text, sel)?.quote).toBe('60');
		sel = moveSelection(text, sel, keys('ArrowRight', true, true))!;
		expect(selectedPassage(text, sel)?.quote).toBe('60 ');
		sel = moveSelection(text, sel, keys('End', true))!;
		expect(selectedPassage(text, sel)).toEqual({ start: 5, end: 10, quote: '60 Gy' });
		expect(moveSelection(text, sel, keys('ArrowLeft'))).toEqual({ anchor: 9, focus: 9 });
		expect(moveSelection(text, { anchor: 14, focus: 14 }, keys('Home'))).toEqual({
			anchor: 11,
			focus: 11
		});
		expect(moveSelection(text, sel, keys('x'))).toBeNull();
	});

	it('steps over a character made of two code units', () => {
		const at = text.indexOf('🙂');
		expect(moveSelection(text, { anchor: at, focus: at }, keys('ArrowRight'))!.focus).toBe(at + 2);
		expect(moveSelection(text, { anchor: at + 2, focus: at + 2 }, keys('ArrowLeft'))!.focus).toBe(
			at
		);
	});

	it('selects backwards too, and nothing when only space is selected', () => {
		const sel = moveSelection(text, { anchor: 10, focus: 10 }, keys('ArrowLeft', true, true))!;
		expect(selectedPassage(text, sel)).toEqual({ start: 8, end: 10, quote: 'Gy' });
		expect(selectedPassage(text, { anchor: 4, focus: 5 })).toBeNull();
	});
});
