/**
 * Keyboard logic of the rating page, kept pure so it can be tested without a browser: the page
 * turns each keydown into a `KeyInput`, asks `keyAction` what to do, and does it.
 *
 * What must stay true: nothing typed into a text field ever scores or navigates; arrows only act
 * on a focused scale (elsewhere they scroll the page as usual); Enter on a button or link keeps
 * its own meaning.
 */

/** Where the key was pressed. */
export type KeyTarget =
	/** a text field (textarea, text input, select, contenteditable): shortcuts are off */
	| 'text'
	/** a radio button of a rating scale */
	| 'radio'
	/** another control (button, link, checkbox) */
	| 'control'
	/** nothing focusable (the page itself, the letter text) */
	| 'other';

export interface KeyInput {
	key: string;
	shiftKey?: boolean;
	ctrlKey?: boolean;
	altKey?: boolean;
	metaKey?: boolean;
	target: KeyTarget;
}

export interface ScalesState {
	/** Index of the focused (or last focused) dimension. */
	current: number;
	/** Score per dimension in form order; undefined where not scored yet. */
	scores: readonly (number | undefined)[];
	readOnly: boolean;
	/** Highest value on the scales: 4 (anchored scores), 3 in pairwise items (left, tie, right). */
	max?: number;
	/**
	 * Per dimension in form order, the values its scale allows, lowest first (domain/scales.ts:
	 * 1 … k points, 0 and 1 for yes/no). Wins over `max`; without it every scale is 1 … max.
	 */
	values?: readonly (readonly number[])[];
}

export type KeyAction =
	/** Set a score; `advance` moves focus on to the next unscored dimension afterwards. */
	| { type: 'score'; index: number; score: number; advance: boolean }
	| { type: 'focus'; index: number }
	/** Every dimension is scored (or the round is read-only): go to the next letter. */
	| { type: 'next' }
	/** Enter before every dimension is scored: show the first one missing. */
	| { type: 'incomplete'; index: number }
	/** Open (or focus) the comment of a dimension. */
	| { type: 'comment'; index: number };

const MAX_SCORE = 4;

/** What a key press does on the rating page, or null to leave it to the browser. */
export function keyAction(input: KeyInput, state: ScalesState): KeyAction | null {
	const n = state.scores.length;
	if (input.target === 'text' || input.ctrlKey || input.altKey || input.metaKey || n === 0)
		return null;
	const current = Math.min(Math.max(state.current, 0), n - 1);
	const onRadio = input.target === 'radio';
	const values =
		state.values?.[current] ?? Array.from({ length: state.max ?? MAX_SCORE }, (_, i) => i + 1);
	// The number keys give the value shown on each answer (0 is "no" on a yes/no scale).
	if (/^[0-9]$/.test(input.key)) {
		const score = Number(input.key);
		if (state.readOnly || !values.includes(score)) return null;
		return { type: 'score', index: current, score, advance: true };
	}
	switch (input.key) {
		case 'ArrowDown':
			return onRadio ? { type: 'focus', index: Math.min(current + 1, n - 1) } : null;
		case 'ArrowUp':
			return onRadio ? { type: 'focus', index: Math.max(current - 1, 0) } : null;
		case 'ArrowRight':
		case 'ArrowLeft': {
			if (!onRadio || state.readOnly) return null;
			const at = values.indexOf(state.scores[current] ?? Number.NaN);
			const to =
				input.key === 'ArrowRight'
					? Math.min(at + 1, values.length - 1)
					: at < 0
						? values.length - 1
						: Math.max(at - 1, 0);
			return { type: 'score', index: current, score: values[to]!, advance: false };
		}
		case 'Tab': {
			// Tab moves scale to scale; past the first or last scale it leaves them as usual.
			if (!onRadio) return null;
			const to = input.shiftKey ? current - 1 : current + 1;
			return to >= 0 && to < n ? { type: 'focus', index: to } : null;
		}
		case 'Enter': {
			if (input.target === 'control') return null;
			// A locked round is only read: nothing to complete before moving on.
			if (state.readOnly) return { type: 'next' };
			const missing = nextUnscored(state.scores, -1);
			return missing === null ? { type: 'next' } : { type: 'incomplete', index: missing };
		}
		case 'c':
		case 'C':
			return { type: 'comment', index: current };
		default:
			return null;
	}
}

/**
 * The first unscored dimension after `from`, wrapping around to the start, or null when every
 * dimension is scored. `nextUnscored(scores, -1)` is the first unscored one.
 */
export function nextUnscored(scores: readonly (number | undefined)[], from: number): number | null {
	const n = scores.length;
	for (let step = 1; step <= n; step++) {
		const i = (((from + step) % n) + n) % n;
		if (scores[i] === undefined) return i;
	}
	return null;
}

/** The parts of a DOM element `keyTarget` looks at (an `Element` has them all). */
export interface TargetLike {
	tagName: string;
	isContentEditable?: boolean;
	getAttribute?(name: string): string | null;
}

const NON_TEXT_INPUTS = new Set([
	'radio',
	'checkbox',
	'button',
	'submit',
	'reset',
	'range',
	'color',
	'file',
	'image'
]);

/** Classifies the element a key was pressed on (`event.target`). */
export function keyTarget(el: TargetLike | null | undefined): KeyTarget {
	if (!el || !el.tagName) return 'other';
	const tag = el.tagName.toLowerCase();
	if (el.isContentEditable || tag === 'textarea' || tag === 'select') return 'text';
	if (tag === 'input') {
		const type = (el.getAttribute?.('type') ?? 'text').toLowerCase();
		if (type === 'radio') return 'radio';
		return NON_TEXT_INPUTS.has(type) ? 'control' : 'text';
	}
	if (tag === 'button' || tag === 'a' || tag === 'summary') return 'control';
	return 'other';
}
