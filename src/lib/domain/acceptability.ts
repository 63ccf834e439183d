/**
 * What makes a letter "acceptable" (study.yaml `analysis.acceptability`, issue 14): a rule over
 * one rater's scores, e.g. `clinical_benefit >= 3`, `every dimension >= 3`, or conditions joined
 * by `and`; and how many of a letter's raters must find it acceptable (`raters`: any, all,
 * majority, or at least k). Pure: parsing, validation against the form, and evaluation.
 */
import { z } from 'zod';

export const OPERATORS = ['>=', '>', '<=', '<', '=='] as const;
export type Operator = (typeof OPERATORS)[number];

/** `dimension` is a form key, or null for "every dimension". */
export interface Condition {
	dimension: string | null;
	operator: Operator;
	value: number;
}

const CONDITION =
	/^(?:(every dimension|all dimensions)|([a-z][a-z0-9_]*))\s*(>=|>|<=|<|==|=)\s*(-?\d+(?:\.\d+)?)$/;

/**
 * The rule's conditions, or a message saying what is wrong. Grammar: condition (`and`
 * condition)*, a condition being `<dimension key> <op> <number>` or `every dimension <op>
 * <number>`, op one of >=, >, <=, <, == (or =).
 */
export function parseRule(text: string): Condition[] | string {
	const parts = text.trim().split(/\s+and\s+/i);
	const out: Condition[] = [];
	for (const part of parts) {
		const m = CONDITION.exec(part.trim().replace(/\s+/g, ' '));
		if (!m)
			return `"${part.trim()}" is not a condition: write e.g. "clinical_benefit >= 3" or "every dimension >= 3", joined by "and"`;
		out.push({
			dimension: m[1] ? null : m[2]!,
			operator: m[3] === '=' ? '==' : (m[3] as Operator),
			value: Number(m[4])
		});
	}
	return out;
}

export const acceptabilitySchema = z
	.object({
		/** One rater's rating of a letter is acceptable when every condition holds. */
		rule: z
			.string()
			.trim()
			.min(1)
			.max(500)
			.superRefine((text, ctx) => {
				const parsed = parseRule(text);
				if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
			}),
		/**
		 * A letter is acceptable when at least this many of its raters found it so: 'any' (one),
		 * 'all', 'majority' (more than half), or a number k (letters with fewer than k raters are
		 * left out and counted).
		 */
		raters: z
			.union([z.enum(['any', 'all', 'majority']), z.number().int().min(1).max(1000)])
			.default('majority')
	})
	.strict();
export type AcceptabilitySettings = z.output<typeof acceptabilitySchema>;

/** The rule's dimension keys that the form does not have. */
export function unknownDimensions(rule: string, keys: readonly string[]): string[] {
	const parsed = parseRule(rule);
	if (typeof parsed === 'string') return [];
	return parsed.flatMap((c) =>
		c.dimension !== null && !keys.includes(c.dimension) ? [c.dimension] : []
	);
}

function holds(score: number, c: Condition): boolean {
	switch (c.operator) {
		case '>=':
			return score >= c.value;
		case '>':
			return score > c.value;
		case '<=':
			return score <= c.value;
		case '<':
			return score < c.value;
		default:
			return score === c.value;
	}
}

/**
 * One rater's judgement of a letter: true when every condition holds on their scores, null when
 * a score the rule needs is missing (for "every dimension": any of `dimensions`).
 */
export function ratingAcceptable(
	conditions: readonly Condition[],
	dimensions: readonly string[],
	scoreOf: (dimension: string) => number | undefined
): boolean | null {
	let ok = true;
	for (const c of conditions) {
		for (const d of c.dimension === null ? dimensions : [c.dimension]) {
			const s = scoreOf(d);
			if (s === undefined) return null;
			if (!holds(s, c)) ok = false;
		}
	}
	return ok;
}

/**
 * A letter's verdict from its raters' judgements: acceptable raters `yes` out of `judged`. Null
 * when nobody judged it, or when `raters` is a number k above `judged`.
 */
export function letterAcceptable(
	yes: number,
	judged: number,
	raters: AcceptabilitySettings['raters']
): boolean | null {
	if (judged === 0) return null;
	if (raters === 'any') return yes >= 1;
	if (raters === 'all') return yes === judged;
	if (raters === 'majority') return 2 * yes > judged;
	return judged < raters ? null : yes >= raters;
}

/** The rule as one sentence, for the report and the page. */
export function describeAcceptability(s: AcceptabilitySettings): string {
	const who =
		s.raters === 'any'
			? 'at least one of its raters'
			: s.raters === 'all'
				? 'all of its raters'
				: s.raters === 'majority'
					? 'a majority (more than half) of its raters'
					: `at least ${s.raters} of its raters (letters with fewer raters are left out)`;
	return `A letter is acceptable when ${who} rated it so; a rating is acceptable when ${s.rule.trim()}.`;
}
