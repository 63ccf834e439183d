/**
 * Formatting shared by the Markdown reports (report.ts, pairwise-report.ts): numbers, p-values,
 * percentages, intervals and tables, so every report prints a value the same way.
 */

import type { Summary } from './study/summary';

export const DASH = '—';

/** Fixed decimals; null → em dash; no "-0.00". */
export function formatNumber(x: number | null | undefined, digits = 2): string {
	if (x === null || x === undefined || !Number.isFinite(x)) return DASH;
	const s = x.toFixed(digits);
	return Number(s) === 0 ? (0).toFixed(digits) : s;
}

/** p-values as journals print them: "< 0.001" below 0.001, else three decimals. */
export function formatP(p: number | null | undefined): string {
	if (p === null || p === undefined || !Number.isFinite(p)) return DASH;
	return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/** A proportion as a percentage with one decimal. */
export function formatPercent(x: number | null | undefined): string {
	return x === null || x === undefined || !Number.isFinite(x) ? DASH : `${(100 * x).toFixed(1)}%`;
}

/** estimate [lower, upper]; an em dash without an estimate. */
export function formatCi(
	estimate: number | null,
	lower: number | null,
	upper: number | null,
	digits = 2
): string {
	if (estimate === null) return DASH;
	return `${formatNumber(estimate, digits)} [${formatNumber(lower, digits)}, ${formatNumber(upper, digits)}]`;
}

export const meanSd = (m: { mean: number | null; sd: number | null }, digits = 3) =>
	m.mean === null ? DASH : `${formatNumber(m.mean, digits)} ± ${formatNumber(m.sd, digits)}`;

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

/**
 * A Markdown table. `align` has one letter per column, 'l' left or 'r' right (numbers), as in
 * LaTeX's tabular; by default the first column is left-aligned and the others are numeric.
 */
export function table(
	headers: readonly string[],
	rows: readonly string[][],
	align = 'l' + 'r'.repeat(headers.length - 1)
): string {
	const line = (xs: readonly string[]) => `| ${xs.map(cell).join(' | ')} |`;
	const rule = `| ${headers.map((_, i) => (align[i] === 'r' ? '---:' : '---')).join(' | ')} |`;
	return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** Notes under a table as a list, preceded by a blank line; nothing without notes. */
export const noteLines = (notes: readonly string[]): string[] =>
	notes.length > 0 ? ['', ...notes.map((n) => `- ${n}`)] : [];

/** Dimension key → label lookup that falls back to the key. */
export function labeller(dimensions: readonly { key: string; label: string }[]) {
	const labels = new Map(dimensions.map((d) => [d.key, d.label]));
	return (key: string): string => labels.get(key) ?? key;
}

/** median (q1–q3). */
export function median(s: Summary, digits: number): string {
	if (s.median === null) return DASH;
	return `${formatNumber(s.median, digits)} (${formatNumber(s.q1, digits)}–${formatNumber(s.q3, digits)})`;
}

export const plural = (n: number, word: string) =>
	`${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;

/** "1–4" for consecutive integers, else the values listed. */
export function scaleText(scale: readonly number[]): string {
	const consecutive = scale.every(
		(v, i) => Number.isInteger(v) && (i === 0 || v === scale[i - 1]! + 1)
	);
	return consecutive && scale.length > 1
		? `${scale[0]}–${scale[scale.length - 1]}`
		: scale.join(', ');
}
