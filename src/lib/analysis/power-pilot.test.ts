import { describe, expect, it } from 'vitest';
import { seededRng } from '../domain/random';
import { ordinalSampler, type LatentModel } from './power';
import { pilotEstimates, type PilotRating } from './power-pilot';

/** The truth the pilot's estimates must recover: the two distributions, then the three shares. */
const DISTRIBUTIONS = { than: [0.25, 0.35, 0.25, 0.15], better: [0.1, 0.25, 0.35, 0.3] };
const SHARES = { caseShare: 0.35, raterShare: 0.15, interactionShare: 0.2 };
const MODEL: LatentModel = { scale: [1, 2, 3, 4], ...DISTRIBUTIONS, ...SHARES };

/** A pilot round simulated by the planner's own model: cases × 2 checkpoints × k raters. */
function pilot(model: LatentModel, cases: number, raters: number, k: number, seed: string) {
	const rows: PilotRating[] = [];
	const names = ['ft', 'base'];
	const sampler = ordinalSampler(
		model,
		{ type: 'balanced', raters, ratersPerLetter: k },
		'mean',
		(c, letter, rater, score) =>
			rows.push({ rater: `R${rater}`, caseId: `C${c}`, checkpoint: names[letter]!, score })
	);
	sampler(seededRng(seed), cases, new Float64Array(cases), new Float64Array(cases));
	return rows;
}

describe('pilotEstimates', () => {
	it('reads back the distributions and, attenuated by the coarse scale, the variance shares', () => {
		const rows = pilot(MODEL, 3000, 300, 3, 'pilot');
		const e = pilotEstimates(rows, MODEL.scale, { better: 'ft', than: 'base' });
		expect(e).toMatchObject({ ratings: 18000, cases: 3000, raters: 300 });
		e.than!.forEach((p, j) => expect(Math.abs(p - MODEL.than[j]!)).toBeLessThan(0.03));
		e.better!.forEach((p, j) => expect(Math.abs(p - MODEL.better[j]!)).toBeLessThan(0.03));
		// Pearson correlations of 4-point scores run below the latent ones: within 80–100 %.
		for (const [estimate, truth] of [
			[e.caseShare!, MODEL.caseShare],
			[e.raterShare!, MODEL.raterShare],
			[e.interactionShare!, MODEL.interactionShare]
		] as const) {
			expect(estimate).toBeGreaterThan(0.75 * truth);
			expect(estimate).toBeLessThan(1.05 * truth);
		}
	});

	it('finds no shared variance in independent scores, and leaves out repeats', () => {
		const rng = seededRng('noise');
		const rows: PilotRating[] = [];
		for (let c = 0; c < 400; c++)
			for (const checkpoint of ['a', 'b'])
				for (let r = 0; r < 3; r++)
					rows.push({
						rater: `R${r}`,
						caseId: `C${c}`,
						checkpoint,
						score: 1 + Math.floor(rng() * 4)
					});
		rows.push({ rater: 'R0', caseId: 'C0', checkpoint: 'a', score: 4, repeat: true });
		const e = pilotEstimates(rows, [1, 2, 3, 4], { better: 'a', than: 'b' });
		expect(e.ratings).toBe(2400);
		for (const s of [e.caseShare!, e.raterShare!, e.interactionShare!])
			expect(s).toBeLessThan(0.03);
	});

	it('says what a pilot cannot tell', () => {
		const rows: PilotRating[] = [
			{ rater: 'R1', caseId: 'C1', checkpoint: 'a', score: 2 },
			{ rater: 'R1', caseId: 'C2', checkpoint: 'a', score: 3 }
		];
		const e = pilotEstimates(rows, [1, 2, 3, 4], { better: 'x', than: 'a' });
		expect(e.better).toBeNull();
		expect(e.than).toEqual([0, 0.5, 0.5, 0]);
		// One rater, one letter per case: no pair to estimate case or letter variance from.
		expect(e.caseShare).toBeNull();
		expect(e.interactionShare).toBeNull();
		expect(e.raterShare).not.toBeNull();
	});
});
