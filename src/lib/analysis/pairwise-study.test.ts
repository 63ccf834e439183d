import { describe, expect, it } from 'vitest';
import { bradleyTerry, signTest, wilsonInterval } from './pairwise';
import { analyzePairwise, type PairwiseJudgement } from './pairwise-study';

function judgements(
	left: string,
	right: string,
	dimension: string,
	counts: { left?: number; right?: number; tie?: number }
): PairwiseJudgement[] {
	return (['left', 'right', 'tie'] as const).flatMap((winner) =>
		Array.from({ length: counts[winner] ?? 0 }, (_, i) => ({
			rater: `r${i % 3}`,
			caseId: `c${i}`,
			left,
			right,
			dimension,
			winner
		}))
	);
}

describe('analyzePairwise', () => {
	it('counts wins, ties and losses over both presentation orders', () => {
		const data = [
			...judgements('ft', 'base', 'overall', { left: 6, right: 1, tie: 2 }),
			...judgements('base', 'ft', 'overall', { left: 1, right: 4, tie: 1 })
		];
		const result = analyzePairwise(data, ['base', 'ft'], ['overall']);
		expect(result.pairs).toHaveLength(1);
		const cell = result.pairs[0]!;
		// From base's side: wins = 1 (right in the first block) + 1 (left in the second).
		expect(cell).toMatchObject({ a: 'base', b: 'ft', wins: 2, ties: 3, losses: 10 });
		const w = wilsonInterval(2, 12);
		expect(cell.winRate).toEqual({ estimate: w.estimate, lower: w.lower, upper: w.upper });
		expect(cell.pValue).toBe(signTest(2, 10));
		expect(result.bradleyTerry).toEqual([]);
		expect(result.ignored).toBe(0);
	});

	it('reports an empty cell with a null win rate and p = 1', () => {
		const result = analyzePairwise(judgements('a', 'b', 'x', { tie: 3 }), ['a', 'b'], ['x', 'y']);
		expect(result.pairs[0]).toMatchObject({ wins: 0, ties: 3, losses: 0, pValue: 1 });
		expect(result.pairs[0]!.winRate).toEqual({ estimate: null, lower: 0, upper: 1 });
		expect(result.pairs[1]).toMatchObject({ dimension: 'y', wins: 0, ties: 0, losses: 0 });
		expect(JSON.parse(JSON.stringify(result))).toStrictEqual(result);
	});

	it('fits Bradley–Terry per dimension when there are more than two checkpoints', () => {
		const data = [
			...judgements('a', 'b', 'x', { left: 3, right: 1 }),
			...judgements('b', 'c', 'x', { left: 2, right: 2, tie: 1 }),
			...judgements('c', 'a', 'x', { left: 1, right: 3 })
		];
		const result = analyzePairwise(data, ['a', 'b', 'c', 'd'], ['x', 'y']);
		expect(result.pairs.map((p) => `${p.a}-${p.b}/${p.dimension}`)).toEqual([
			'a-b/x',
			'a-b/y',
			'a-c/x',
			'a-c/y',
			'a-d/x',
			'a-d/y',
			'b-c/x',
			'b-c/y',
			'b-d/x',
			'b-d/y',
			'c-d/x',
			'c-d/y'
		]);
		const fit = bradleyTerry(
			data.map((j) => ({
				a: j.left,
				b: j.right,
				winner: j.winner === 'left' ? 'a' : j.winner === 'right' ? 'b' : 'tie'
			}))
		);
		const x = result.bradleyTerry[0]!;
		expect(x).toMatchObject({
			dimension: 'x',
			comparisons: 13,
			converged: fit.converged,
			identifiable: true
		});
		expect(x.strengths).toEqual([
			{ checkpoint: 'a', strength: fit.strengths.a },
			{ checkpoint: 'b', strength: fit.strengths.b },
			{ checkpoint: 'c', strength: fit.strengths.c },
			{ checkpoint: 'd', strength: null }
		]);
		expect(x.strengths[0]!.strength!).toBeGreaterThan(x.strengths[1]!.strength!);
		expect(result.bradleyTerry[1]!.strengths.every((s) => s.strength === null)).toBe(true);
		expect(JSON.parse(JSON.stringify(result))).toStrictEqual(result);
	});

	it('ignores unknown checkpoints and dimensions and self-comparisons', () => {
		const data = [
			...judgements('a', 'b', 'x', { left: 2 }),
			...judgements('a', 'z', 'x', { left: 1 }),
			...judgements('a', 'b', 'w', { left: 1 }),
			...judgements('a', 'a', 'x', { tie: 1 })
		];
		const result = analyzePairwise(data, ['a', 'b'], ['x']);
		expect(result.ignored).toBe(3);
		expect(result.pairs[0]).toMatchObject({ wins: 2, losses: 0 });
	});
});
