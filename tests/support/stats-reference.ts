/**
 * The statistics reference values and the comparison every analysis test uses.
 * Values come from tests/fixtures/make-reference.sh (R 4.2.2, psych 2.2.9, coin, SciPy 1.10.1,
 * statsmodels 0.13.5). Non-finite numbers are "NaN"/"Infinity"/"-Infinity", R's NA null.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

export type Num = number | string | null;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixture JSON, typed per test
export const reference: any = JSON.parse(
	readFileSync(new URL('../fixtures/stats-reference.json', import.meta.url), 'utf8')
);

export const num = (v: Num): number => (v === null ? Number.NaN : Number(v));

/** Within 1e-9 relative; `absolute` only for statistics whose reference may be (near) 0. */
export function expectClose(actual: number, expected: Num, label: string, absolute = 1e-300): void {
	const e = num(expected);
	const same = Object.is(actual, e) || (Number.isNaN(actual) && Number.isNaN(e));
	const diff = Math.abs(actual - e);
	const ok = same || diff <= 1e-9 * Math.abs(e) || diff <= absolute;
	expect(ok, `${label}: got ${actual}, reference ${e}`).toBe(true);
}
