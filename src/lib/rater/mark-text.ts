/**
 * The letter with the rater's marks, as pieces to render, and the selection a rater makes in it
 * by keyboard. Offsets are the letter's own (UTF-16 code units, end exclusive), as stored, so a
 * mark highlights the same passage on every screen size: wrapping never changes them. Pure.
 */

export interface Piece {
	text: string;
	start: number;
	end: number;
	/** The marks covering this piece (marks may overlap), in the order given. */
	marks: string[];
}

/** The letter cut at every mark boundary; each piece knows which marks cover it. */
export function pieces(
	letter: string,
	marks: readonly { id: string; start: number | null; end: number | null }[]
): Piece[] {
	const spans = marks.filter(
		(m): m is { id: string; start: number; end: number } =>
			m.start !== null && m.end !== null && m.start < m.end && m.end <= letter.length
	);
	const cuts = new Set([0, letter.length]);
	for (const s of spans) cuts.add(s.start).add(s.end);
	const sorted = [...cuts].sort((a, b) => a - b);
	const out: Piece[] = [];
	for (let i = 0; i + 1 < sorted.length; i++) {
		const start = sorted[i]!;
		const end = sorted[i + 1]!;
		out.push({
			text: letter.slice(start, end),
			start,
			end,
			marks: spans.filter((s) => s.start <= start && s.end >= end).map((s) => s.id)
		});
	}
	return out;
}

/** A keyboard selection: `anchor` stays, `focus` moves (the caret); equal when nothing is selected. */
export interface TextSelection {
	anchor: number;
	focus: number;
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** One character on, never into the middle of a character made of two code units. */
function step(text: string, at: number, by: 1 | -1): number {
	let next = Math.min(Math.max(at + by, 0), text.length);
	if (
		next > 0 &&
		next < text.length &&
		isLow(text.charCodeAt(next)) &&
		isHigh(text.charCodeAt(next - 1))
	)
		next += by;
	return next;
}

/** To the start of the next word (forward) or of this or the previous word (back). */
function word(text: string, at: number, by: 1 | -1): number {
	const isWord = (i: number) => /[\p{L}\p{N}]/u.test(text[i] ?? '');
	let i = at;
	if (by > 0) {
		while (i < text.length && isWord(i)) i++;
		while (i < text.length && !isWord(i)) i++;
	} else {
		while (i > 0 && !isWord(i - 1)) i--;
		while (i > 0 && isWord(i - 1)) i--;
	}
	return i;
}

/**
 * What an arrow key does to the keyboard selection in the letter, or null for other keys:
 * ←/→ move the caret by a character, with Ctrl (or Alt on a Mac) by a word; with Shift they
 * extend the selection; Home and End go to the start and end of the line.
 */
export function moveSelection(
	text: string,
	sel: TextSelection,
	key: { key: string; shiftKey: boolean; ctrlKey: boolean; altKey: boolean }
): TextSelection | null {
	const by = key.key === 'ArrowRight' ? 1 : key.key === 'ArrowLeft' ? -1 : 0;
	let focus: number;
	if (by !== 0)
		focus = key.ctrlKey || key.altKey ? word(text, sel.focus, by) : step(text, sel.focus, by);
	else if (key.key === 'Home') focus = text.lastIndexOf('\n', sel.focus - 1) + 1;
	else if (key.key === 'End') {
		const nl = text.indexOf('\n', sel.focus);
		focus = nl < 0 ? text.length : nl;
	} else return null;
	return key.shiftKey ? { anchor: sel.anchor, focus } : { anchor: focus, focus };
}

/** The selection as a passage: start < end, or null when nothing (or only space) is selected. */
export function selectedPassage(
	text: string,
	sel: TextSelection
): { start: number; end: number; quote: string } | null {
	const start = Math.min(sel.anchor, sel.focus);
	const end = Math.max(sel.anchor, sel.focus);
	const quote = text.slice(start, end);
	return quote.trim() === '' ? null : { start, end, quote };
}
