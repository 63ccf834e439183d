import type { z } from 'zod';

/**
 * A zod superRefine step that reports every repeated value of `field` in the array at `list`,
 * at the repeated element's own path (so the issue names e.g. dimensions.3.key).
 */
export function uniqueField<K extends string, F extends string>(list: K, field: F, what: string) {
	return (value: Record<K, Record<F, string>[]>, ctx: z.RefinementCtx) => {
		const seen = new Set<string>();
		value[list].forEach((entry, i) => {
			const v = entry[field];
			if (seen.has(v))
				ctx.addIssue({
					code: 'custom',
					path: [list, i, field],
					message: `duplicate ${what} "${v}"`
				});
			seen.add(v);
		});
	};
}
