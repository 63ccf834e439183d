import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adjustPValues, type AdjustMethod } from './adjust';
import { expectClose, num, reference, type Num } from '../../../tests/support/stats-reference';

interface AdjustCase {
	p: (number | null)[];
	method: AdjustMethod;
	expected: Num[];
}

describe('adjustPValues against R p.adjust', () => {
	it.each((reference.adjust as AdjustCase[]).map((c, i) => ({ ...c, i })))(
		'case $i: $method, m = ${p.length}',
		({ p, method, expected }) => {
			const got = adjustPValues(p.map(num), method);
			expect(got).toHaveLength(expected.length);
			got.forEach((v, j) => expectClose(v, expected[j]!, `p[${j}]`));
		}
	);

	it('never lowers a p-value, keeps the order of the raw p-values, and stays in [0, 1]', () => {
		const method = fc.constantFrom<AdjustMethod>('holm', 'BH');
		fc.assert(
			fc.property(
				fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 }),
				method,
				(p, m) => {
					const adj = adjustPValues(p, m);
					adj.forEach((a, i) => {
						expect(a).toBeGreaterThanOrEqual(p[i]!);
						expect(a).toBeLessThanOrEqual(1);
						p.forEach((q, j) => {
							if (p[i]! < q) expect(a).toBeLessThanOrEqual(adj[j]!);
						});
					});
				}
			)
		);
	});

	it('Holm is never below BH', () => {
		fc.assert(
			fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 }), (p) => {
				const holm = adjustPValues(p, 'holm');
				adjustPValues(p, 'BH').forEach((b, i) => expect(holm[i]!).toBeGreaterThanOrEqual(b));
			})
		);
	});

	it('rejects values outside [0, 1]', () => {
		expect(() => adjustPValues([0.5, 1.2], 'holm')).toThrow(RangeError);
	});
});
