import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
	keyAction,
	keyTarget,
	nextUnscored,
	type KeyTarget,
	type ScalesState
} from './rating-keys';

const state = (scores: (number | undefined)[], current = 0, readOnly = false): ScalesState => ({
	scores,
	current,
	readOnly
});
const empty = state([undefined, undefined, undefined]);

describe('keyAction', () => {
	it('scores the focused dimension with 1–4 and moves on', () => {
		expect(keyAction({ key: '3', target: 'radio' }, state([1, undefined, undefined], 1))).toEqual({
			type: 'score',
			index: 1,
			score: 3,
			advance: true
		});
		expect(keyAction({ key: '1', target: 'other' }, empty)).toMatchObject({ score: 1, index: 0 });
		expect(keyAction({ key: '5', target: 'radio' }, empty)).toBeNull();
		expect(keyAction({ key: '0', target: 'radio' }, empty)).toBeNull();
	});

	it('never acts on keys typed into a text field', () => {
		for (const key of ['1', '4', 'Enter', 'ArrowDown', 'ArrowUp', 'Tab', 'c'])
			expect(keyAction({ key, target: 'text' }, state([1, 2, 3]))).toBeNull();
	});

	it('leaves modified keys (shortcuts of the browser) alone', () => {
		expect(keyAction({ key: '1', ctrlKey: true, target: 'radio' }, empty)).toBeNull();
		expect(keyAction({ key: '2', altKey: true, target: 'radio' }, empty)).toBeNull();
		expect(keyAction({ key: 'c', metaKey: true, target: 'radio' }, empty)).toBeNull();
	});

	it('moves between dimensions with ↑/↓ and Tab/Shift-Tab on a scale', () => {
		const s = state([undefined, undefined, undefined], 1);
		expect(keyAction({ key: 'ArrowDown', target: 'radio' }, s)).toEqual({
			type: 'focus',
			index: 2
		});
		expect(keyAction({ key: 'ArrowUp', target: 'radio' }, s)).toEqual({ type: 'focus', index: 0 });
		expect(keyAction({ key: 'Tab', target: 'radio' }, s)).toEqual({ type: 'focus', index: 2 });
		expect(keyAction({ key: 'Tab', shiftKey: true, target: 'radio' }, s)).toEqual({
			type: 'focus',
			index: 0
		});
		// Arrows stop at the ends (and are still handled, so the browser does not change the radio).
		expect(keyAction({ key: 'ArrowUp', target: 'radio' }, state([1, 2], 0))).toEqual({
			type: 'focus',
			index: 0
		});
		// Tab past the last scale (or Shift-Tab before the first) leaves the scales.
		expect(keyAction({ key: 'Tab', target: 'radio' }, state([1, 2], 1))).toBeNull();
		expect(keyAction({ key: 'Tab', shiftKey: true, target: 'radio' }, state([1, 2], 0))).toBeNull();
	});

	it('leaves arrows and Tab to the browser away from the scales', () => {
		for (const target of ['other', 'control'] as KeyTarget[])
			for (const key of ['ArrowDown', 'ArrowUp', 'ArrowLeft', 'ArrowRight', 'Tab'])
				expect(keyAction({ key, target }, empty)).toBeNull();
	});

	it('steps the score with ←/→ without moving on', () => {
		expect(keyAction({ key: 'ArrowRight', target: 'radio' }, state([2]))).toEqual({
			type: 'score',
			index: 0,
			score: 3,
			advance: false
		});
		expect(keyAction({ key: 'ArrowRight', target: 'radio' }, state([4]))).toMatchObject({
			score: 4
		});
		expect(keyAction({ key: 'ArrowRight', target: 'radio' }, state([undefined]))).toMatchObject({
			score: 1
		});
		expect(keyAction({ key: 'ArrowLeft', target: 'radio' }, state([1]))).toMatchObject({
			score: 1
		});
		expect(keyAction({ key: 'ArrowLeft', target: 'radio' }, state([undefined]))).toMatchObject({
			score: 4
		});
	});

	it('goes to the next letter with Enter only when every dimension is scored', () => {
		expect(keyAction({ key: 'Enter', target: 'radio' }, state([1, 2, 3]))).toEqual({
			type: 'next'
		});
		expect(keyAction({ key: 'Enter', target: 'other' }, state([1, undefined, 3], 2))).toEqual({
			type: 'incomplete',
			index: 1
		});
		// Enter on a button or link keeps its own meaning.
		expect(keyAction({ key: 'Enter', target: 'control' }, state([1, 2, 3]))).toBeNull();
	});

	it('does not score in a read-only round, but still moves, opens comments and pages on', () => {
		const s = state([1, 2], 0, true);
		expect(keyAction({ key: '2', target: 'other' }, s)).toBeNull();
		expect(keyAction({ key: 'ArrowRight', target: 'radio' }, s)).toBeNull();
		expect(keyAction({ key: 'ArrowDown', target: 'radio' }, s)).toEqual({
			type: 'focus',
			index: 1
		});
		expect(keyAction({ key: 'c', target: 'other' }, s)).toEqual({ type: 'comment', index: 0 });
		expect(keyAction({ key: 'Enter', target: 'other' }, state([undefined], 0, true))).toEqual({
			type: 'next'
		});
	});

	it('keeps the current index inside the form', () => {
		expect(
			keyAction({ key: '2', target: 'other' }, state([undefined, undefined], 7))
		).toMatchObject({
			index: 1
		});
		expect(keyAction({ key: '2', target: 'other' }, state([]))).toBeNull();
	});
});

describe('nextUnscored', () => {
	it('finds the next gap after the given dimension, wrapping around', () => {
		expect(nextUnscored([1, undefined, undefined], 0)).toBe(1);
		expect(nextUnscored([undefined, 2, 3, undefined], 3)).toBe(0);
		expect(nextUnscored([undefined, 2, 3], -1)).toBe(0);
		expect(nextUnscored([1, 2, 3], 1)).toBeNull();
		expect(nextUnscored([], -1)).toBeNull();
	});

	it('always returns an unscored index, or null only when all are scored', () => {
		fc.assert(
			fc.property(
				fc.array(fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }), { maxLength: 12 }),
				fc.integer({ min: -1, max: 12 }),
				(scores, from) => {
					const i = nextUnscored(scores, from);
					if (i === null) expect(scores.every((s) => s !== undefined)).toBe(true);
					else expect(scores[i]).toBeUndefined();
				}
			)
		);
	});

	it('scoring a whole form with keys visits every dimension once', () => {
		const scores: (number | undefined)[] = Array(6).fill(undefined);
		let current = 0;
		const visited: number[] = [];
		for (;;) {
			const action = keyAction({ key: '3', target: 'radio' }, state(scores, current));
			expect(action?.type).toBe('score');
			if (action?.type !== 'score') break;
			scores[action.index] = action.score;
			visited.push(action.index);
			const next = nextUnscored(scores, action.index);
			if (next === null) break;
			current = next;
		}
		expect(visited).toEqual([0, 1, 2, 3, 4, 5]);
		expect(keyAction({ key: 'Enter', target: 'radio' }, state(scores, current))).toEqual({
			type: 'next'
		});
	});
});

describe('keyTarget', () => {
	const el = (tagName: string, type?: string, isContentEditable = false) => ({
		tagName,
		isContentEditable,
		getAttribute: (name: string) => (name === 'type' ? (type ?? null) : null)
	});

	it('classifies the element a key was pressed on', () => {
		expect(keyTarget(el('TEXTAREA'))).toBe('text');
		expect(keyTarget(el('INPUT'))).toBe('text');
		expect(keyTarget(el('INPUT', 'search'))).toBe('text');
		expect(keyTarget(el('SELECT'))).toBe('text');
		expect(keyTarget(el('DIV', undefined, true))).toBe('text');
		expect(keyTarget(el('INPUT', 'radio'))).toBe('radio');
		expect(keyTarget(el('INPUT', 'checkbox'))).toBe('control');
		expect(keyTarget(el('BUTTON'))).toBe('control');
		expect(keyTarget(el('A'))).toBe('control');
		expect(keyTarget(el('BODY'))).toBe('other');
		expect(keyTarget(null)).toBe('other');
	});
});

describe('keyAction on pairwise scales (1 left, 2 tie, 3 right)', () => {
	const pair: ScalesState = { current: 0, scores: [undefined, undefined], readOnly: false, max: 3 };
	it('chooses with 1 to 3 and ignores 4', () => {
		expect(keyAction({ key: '3', target: 'radio' }, pair)).toEqual({
			type: 'score',
			index: 0,
			score: 3,
			advance: true
		});
		expect(keyAction({ key: '4', target: 'radio' }, pair)).toBeNull();
	});
	it('stops the right arrow at 3', () => {
		expect(
			keyAction({ key: 'ArrowRight', target: 'radio' }, { ...pair, scores: [3, undefined] })
		).toMatchObject({ score: 3 });
		expect(keyAction({ key: 'ArrowLeft', target: 'radio' }, pair)).toMatchObject({ score: 3 });
	});
});

describe('keyAction on the scale of each dimension (5 points, yes/no, a harm scale)', () => {
	// As the rating page passes them: item-kind.ts scaleValues() of a form with these scales.
	const values = [
		[1, 2, 3, 4, 5],
		[0, 1],
		[1, 2, 3]
	];
	const on = (
		current: number,
		scores: (number | undefined)[] = [undefined, undefined, undefined]
	) => ({ current, scores, readOnly: false, values }) satisfies ScalesState;
	it('gives 5 on the 5-point scale, 0 and 1 on yes/no, and refuses keys off the scale', () => {
		expect(keyAction({ key: '5', target: 'radio' }, on(0))).toEqual({
			type: 'score',
			index: 0,
			score: 5,
			advance: true
		});
		expect(keyAction({ key: '6', target: 'radio' }, on(0))).toBeNull();
		expect(keyAction({ key: '0', target: 'radio' }, on(0))).toBeNull();
		expect(keyAction({ key: '0', target: 'other' }, on(1))).toMatchObject({ score: 0 });
		expect(keyAction({ key: '1', target: 'other' }, on(1))).toMatchObject({ score: 1 });
		expect(keyAction({ key: '2', target: 'radio' }, on(1))).toBeNull();
		expect(keyAction({ key: '4', target: 'radio' }, on(2))).toBeNull();
	});
	it('moves the arrows along the scale and stops at its ends', () => {
		const arrow = (key: string, current: number, now: number | undefined) => {
			const scores: (number | undefined)[] = [undefined, undefined, undefined];
			scores[current] = now;
			const action = keyAction({ key, target: 'radio' }, on(current, scores));
			return action?.type === 'score' ? action.score : null;
		};
		expect(arrow('ArrowRight', 0, 4)).toBe(5);
		expect(arrow('ArrowRight', 0, 5)).toBe(5);
		expect(arrow('ArrowLeft', 0, undefined)).toBe(5);
		expect(arrow('ArrowRight', 1, undefined)).toBe(0);
		expect(arrow('ArrowRight', 1, 0)).toBe(1);
		expect(arrow('ArrowLeft', 1, 1)).toBe(0);
		expect(arrow('ArrowLeft', 1, 0)).toBe(0);
		expect(arrow('ArrowLeft', 2, undefined)).toBe(3);
	});
	it('never gives a value off the focused scale, whatever the key', () => {
		fc.assert(
			fc.property(
				fc.constantFrom(
					'0',
					'1',
					'2',
					'3',
					'4',
					'5',
					'6',
					'7',
					'8',
					'9',
					'ArrowLeft',
					'ArrowRight'
				),
				fc.integer({ min: 0, max: 2 }),
				(key, current) => {
					const action = keyAction({ key, target: 'radio' }, on(current));
					if (action?.type === 'score') expect(values[current]).toContain(action.score);
				}
			)
		);
	});
});
