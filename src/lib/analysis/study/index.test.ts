// Over 300 lines: the tests of the whole study analysis, section by section.
import { describe as group, expect, it } from 'vitest';
import { seededRng, shuffle } from '../../domain/random';
import { adjustPValues } from '../adjust';
import { exactAgreement, withinOneAgreement } from '../agreement';
import { bootstrapCi } from '../bootstrap';
import { classificationReport } from '../classification';
import { describe } from '../descriptive';
import { friedman } from '../friedman';
import { icc } from '../icc';
import { cohenKappa } from '../kappa';
import { krippendorffAlpha } from '../krippendorff';
import { rougeScores } from '../rouge';
import {
	analyzeStudy,
	checkpointFreeSummary,
	jointBootstrap,
	type AnalysisConfig,
	type CaseRow,
	type OutputRow,
	type RatingRow,
	type StudyAnalysis
} from './index';
import { wordEditDistance } from '../text-metrics';
import { wilcoxonSignedRank } from '../wilcoxon';

const DIMENSIONS = [
	{ key: 'accuracy', label: 'Accuracy' },
	{ key: 'clarity', label: 'Clarity' }
];

function config(over: Partial<AnalysisConfig> = {}): AnalysisConfig {
	return {
		seed: 'test',
		bootstrapReplicates: 200,
		dimensions: DIMENSIONS,
		checkpoints: ['base', 'ft'],
		...over
	};
}

/**
 * A synthetic study: every rater rates every item (case × checkpoint) on every dimension, with
 * scores from `score`, which may return null for a missing rating.
 */
function study(opts: {
	raters: number;
	cases: number;
	checkpoints: string[];
	dimensions?: string[];
	seed?: string;
	score?: (r: number, c: number, k: number, d: number, rng: () => number) => number | null;
}): RatingRow[] {
	const rng = seededRng(opts.seed ?? 'data');
	const dims = opts.dimensions ?? DIMENSIONS.map((d) => d.key);
	const score =
		opts.score ??
		((_r, c, k, _d, g) => Math.min(4, Math.max(1, Math.round(1.5 + (c % 3) * 0.5 + k + g()))));
	const rows: RatingRow[] = [];
	for (let r = 0; r < opts.raters; r++) {
		for (let c = 0; c < opts.cases; c++) {
			opts.checkpoints.forEach((checkpoint, k) => {
				dims.forEach((dimension, d) => {
					const s = score(r, c, k, d, rng);
					if (s === null) return;
					rows.push({
						rater: `r${r}`,
						caseId: `c${String(c).padStart(2, '0')}`,
						itemCode: `i${String(c).padStart(2, '0')}-${checkpoint}`,
						checkpoint,
						dimension,
						score: s,
						secondsOnItem: 10 * (r + 1) + c
					});
				});
			});
		}
	}
	return rows;
}

function nonFinitePaths(value: unknown, path = '$'): string[] {
	if (typeof value === 'number') return Number.isFinite(value) ? [] : [path];
	if (value === undefined) return [path];
	if (Array.isArray(value)) return value.flatMap((v, i) => nonFinitePaths(v, `${path}[${i}]`));
	if (value && typeof value === 'object') {
		return Object.entries(value).flatMap(([k, v]) => nonFinitePaths(v, `${path}.${k}`));
	}
	return [];
}

function expectJsonSafe(analysis: unknown): void {
	expect(nonFinitePaths(analysis)).toEqual([]);
	expect(JSON.parse(JSON.stringify(analysis))).toStrictEqual(analysis);
}

/** Per-case mean over raters, as the paired tests use it. */
function caseMeans(rows: RatingRow[], checkpoint: string, dimension: string): Map<string, number> {
	const lists = new Map<string, number[]>();
	for (const r of rows) {
		if (r.checkpoint !== checkpoint || r.dimension !== dimension || r.repeatOf) continue;
		lists.set(r.caseId, [...(lists.get(r.caseId) ?? []), r.score]);
	}
	return new Map([...lists].map(([c, xs]) => [c, xs.reduce((a, b) => a + b, 0) / xs.length]));
}

/** Raters × items table of one dimension, raters and items in code-unit order. */
function table(rows: RatingRow[], dimension: string): (number | null)[][] {
	const these = rows.filter((r) => r.dimension === dimension && !r.repeatOf);
	const raters = [...new Set(these.map((r) => r.rater))].sort();
	const items = [...new Set(these.map((r) => r.itemCode))].sort();
	const t = raters.map(() => items.map((): number | null => null));
	for (const r of these) t[raters.indexOf(r.rater)]![items.indexOf(r.itemCode)] = r.score;
	return t;
}

group('analyzeStudy: descriptives', () => {
	const rows = study({ raters: 3, cases: 8, checkpoints: ['base', 'ft'] });
	const a = analyzeStudy(rows, [], [], config());

	it('describes every rating of each checkpoint × dimension and counts scores 1–4', () => {
		expect(a.descriptives.map((d) => `${d.checkpoint}/${d.dimension}`)).toEqual([
			'base/accuracy',
			'base/clarity',
			'ft/accuracy',
			'ft/clarity'
		]);
		for (const cell of a.descriptives) {
			const scores = rows
				.filter((r) => r.checkpoint === cell.checkpoint && r.dimension === cell.dimension)
				.map((r) => r.score);
			const d = describe(scores);
			expect(cell.summary).toMatchObject({ n: d.n, median: d.median, q1: d.q1, q3: d.q3 });
			expect(cell.summary.mean).toBeCloseTo(d.mean, 12);
			expect(cell.summary.sd).toBeCloseTo(d.sd!, 12);
			expect(cell.counts).toEqual([1, 2, 3, 4].map((s) => scores.filter((x) => x === s).length));
			expect(cell.cases).toBe(8);
			expect(cell.meanCi!.estimate).toBeCloseTo(d.mean, 12);
			expect(cell.meanCi!.lower!).toBeLessThanOrEqual(d.mean);
			expect(cell.meanCi!.upper!).toBeGreaterThanOrEqual(d.mean);
			expect(cell.meanCi!.replicates).toBe(200);
		}
	});

	it('resamples cases: the interval equals bootstrapCi over per-case clusters', () => {
		const cases = [...new Set(rows.map((r) => r.caseId))].sort();
		const K = 2;
		const D = 2;
		const clusters = cases.map((c) => {
			const sums = new Array<number>(K * D).fill(0);
			const counts = new Array<number>(K * D).fill(0);
			for (const r of rows.filter((x) => x.caseId === c)) {
				const j = (r.checkpoint === 'ft' ? 1 : 0) * D + (r.dimension === 'clarity' ? 1 : 0);
				sums[j]! += r.score;
				counts[j]!++;
			}
			return { sums, counts };
		});
		a.descriptives.forEach((cell, j) => {
			const ci = bootstrapCi(
				clusters,
				(s) => s.reduce((x, c) => x + c.sums[j]!, 0) / s.reduce((x, c) => x + c.counts[j]!, 0),
				{ seed: 'test/means', replicates: 200 }
			);
			expect(cell.meanCi!.lower).toBe(ci.lower);
			expect(cell.meanCi!.upper).toBe(ci.upper);
		});
	});

	it('is reproducible and does not depend on the order of the rows', () => {
		const again = analyzeStudy(shuffle(rows, seededRng('order')), [], [], config());
		expect(again).toStrictEqual(a);
		const other = analyzeStudy(rows, [], [], config({ seed: 'other' }));
		expect(other.descriptives[0]!.meanCi!.lower).not.toBe(a.descriptives[0]!.meanCi!.lower);
	});

	it('reports the data it used and what it ignored', () => {
		const extra: RatingRow[] = [
			{ ...rows[0]!, checkpoint: 'unknown', itemCode: 'x1' },
			{ ...rows[0]!, dimension: 'unknown', itemCode: 'x2' }
		];
		const b = analyzeStudy([...rows, ...extra], [], [], config());
		expect(b.overview).toMatchObject({
			ratings: rows.length,
			raters: 3,
			cases: 8,
			items: 16,
			repeatRatings: 0,
			ignored: { unknownCheckpoint: 1, unknownDimension: 1 }
		});
		expect(b.descriptives).toStrictEqual(a.descriptives);
	});
});

group('analyzeStudy: paired tests and Friedman', () => {
	const rows = study({ raters: 3, cases: 12, checkpoints: ['base', 'mid', 'ft'] });
	const cfg = config({
		checkpoints: ['base', 'mid', 'ft'],
		hypotheses: [
			{ better: 'ft', than: 'base' },
			{ better: 'mid', than: 'base' }
		]
	});
	const a = analyzeStudy(rows, [], [], cfg);

	it('tests every pair in config order, one-sided where a hypothesis says so', () => {
		expect(a.paired.map((p) => [p.a, p.b, p.tests[0]!.alternative])).toEqual([
			['base', 'mid', 'less'],
			['base', 'ft', 'less'],
			['mid', 'ft', 'two-sided']
		]);
	});

	it('runs wilcoxonSignedRank on per-case means and Holm-adjusts over dimensions', () => {
		for (const pair of a.paired) {
			const ps: number[] = [];
			for (const test of pair.tests) {
				const x = caseMeans(rows, pair.a, test.dimension);
				const y = caseMeans(rows, pair.b, test.dimension);
				const cases = [...x.keys()].filter((c) => y.has(c)).sort();
				const xs = cases.map((c) => x.get(c)!);
				const ys = cases.map((c) => y.get(c)!);
				const w = wilcoxonSignedRank(xs, ys, { alternative: test.alternative });
				expect(test).toMatchObject({
					n: 12,
					ranked: w.n,
					statistic: w.statistic,
					pValue: w.pValue,
					effectSize: w.effectSize,
					method: w.method
				});
				const d = describe(xs.map((v, i) => v - ys[i]!));
				expect(test.medianDifference).toBe(d.median);
				expect(test.higher).toBe(w.effectSize > 0 ? pair.a : w.effectSize < 0 ? pair.b : null);
				ps.push(w.pValue);
			}
			expect(pair.tests.map((t) => t.pHolm)).toEqual(adjustPValues(ps, 'holm'));
			expect(pair.holmFamilySize).toBe(2);
		}
	});

	it('finds the built-in improvement of ft over base', () => {
		const t = a.paired[1]!.tests[0]!;
		expect(t.higher).toBe('ft');
		expect(t.pValue!).toBeLessThan(0.01);
		expect(t.medianDifference!).toBeLessThan(0);
	});

	it('aggregates per case by the median when asked', () => {
		const m = analyzeStudy(rows, [], [], { ...cfg, aggregate: 'median' });
		const test = m.paired[2]!.tests[1]!;
		const medians = (cp: string) =>
			[...new Set(rows.map((r) => r.caseId))]
				.sort()
				.map(
					(c) =>
						describe(
							rows
								.filter((r) => r.caseId === c && r.checkpoint === cp && r.dimension === 'clarity')
								.map((r) => r.score)
						).median
				);
		const w = wilcoxonSignedRank(medians('mid'), medians('ft'));
		expect(test.statistic).toBe(w.statistic);
		expect(test.pValue).toBe(w.pValue);
	});

	it('runs Friedman per dimension on cases complete under all checkpoints', () => {
		// Drop case c00 under 'mid' so it is not a complete block.
		const partial = rows.filter((r) => !(r.caseId === 'c00' && r.checkpoint === 'mid'));
		const b = analyzeStudy(partial, [], [], cfg);
		expect(b.friedman).toHaveLength(2);
		for (const row of b.friedman) {
			const cases = [...new Set(partial.map((r) => r.caseId))].sort().slice(1);
			const blocks = cases.map((c) =>
				cfg.checkpoints.map((cp) => caseMeans(partial, cp, row.dimension).get(c)!)
			);
			const f = friedman(blocks);
			expect(row).toMatchObject({ n: 11, k: 3, df: 2, statistic: f.statistic, pValue: f.pValue });
			const ranks = row.meanRanks.map((m) => m.meanRank!);
			expect(ranks.reduce((s, r) => s + r, 0)).toBeCloseTo(6, 12);
			expect(ranks[2]).toBeGreaterThan(ranks[0]!);
		}
		// The pair that lost c00 is paired on the remaining cases only.
		expect(b.paired[0]!.tests[0]!.n).toBe(11);
	});

	it('rejects hypotheses about unknown checkpoints or contradicting each other', () => {
		expect(() =>
			analyzeStudy(rows, [], [], { ...cfg, hypotheses: [{ better: 'ftt', than: 'base' }] })
		).toThrow(RangeError);
		expect(() =>
			analyzeStudy(rows, [], [], {
				...cfg,
				hypotheses: [
					{ better: 'ft', than: 'base' },
					{ better: 'base', than: 'ft' }
				]
			})
		).toThrow(/contradict/);
	});
});

group('analyzeStudy: edge cases', () => {
	it('handles a single checkpoint: no pairs, no Friedman', () => {
		const rows = study({ raters: 2, cases: 5, checkpoints: ['ft'] });
		const a = analyzeStudy(rows, [], [], config({ checkpoints: ['ft'] }));
		expect(a.paired).toEqual([]);
		expect(a.friedman).toEqual([]);
		expect(a.descriptives).toHaveLength(2);
		expectJsonSafe(a);
	});

	it('handles a dimension nobody rated', () => {
		const rows = study({
			raters: 3,
			cases: 6,
			checkpoints: ['base', 'ft'],
			dimensions: ['accuracy']
		});
		const cfg = config({ checkpoints: ['base', 'mid', 'ft'] });
		const a = analyzeStudy(rows, [], [], cfg);
		const clarity = a.descriptives.filter((d) => d.dimension === 'clarity');
		for (const cell of clarity) {
			expect(cell).toMatchObject({ counts: [0, 0, 0, 0], cases: 0, meanCi: null });
			expect(cell.summary).toMatchObject({ n: 0, mean: null, sd: null, median: null });
		}
		const test = a.paired[0]!.tests[1]!;
		expect(test).toMatchObject({ n: 0, pValue: null, pHolm: null, statistic: null });
		expect(test.note).toMatch(/no case/);
		expect(a.paired[0]!.holmFamilySize).toBe(0);
		expect(a.paired[1]!.holmFamilySize).toBe(1);
		expect(a.friedman.map((f) => f.n)).toEqual([0, 0]);
		const agreement = a.agreement[1]!;
		expect(agreement).toMatchObject({ raters: 0, items: 0, ratings: 0, alpha: null, icc: null });
		expect(agreement.kappa.pairs).toEqual([]);
		expect(agreement.exact.proportion).toBeNull();
		expect(a.timePerItem.find((t) => t.checkpoint === 'mid')!.seconds.n).toBe(0);
		expectJsonSafe(a);
	});

	it('gives p = 1 when every paired difference is zero, and null where a statistic is undefined', () => {
		const rows = study({ raters: 3, cases: 6, checkpoints: ['base', 'ft'], score: () => 3 });
		const a = analyzeStudy(rows, [], [], config({ hypotheses: [{ better: 'ft', than: 'base' }] }));
		for (const t of a.paired[0]!.tests) {
			expect(t).toMatchObject({ n: 6, ranked: 0, pValue: 1, pHolm: 1, z: null, higher: null });
			expect(t.note).toMatch(/all differences are zero/);
			expect(t.medianDifference).toBe(0);
		}
		const agreement = a.agreement[0]!;
		expect(agreement.alpha!.estimate).toBeNull();
		expect(agreement.alpha!.lower).toBeNull();
		expect(agreement.exact.proportion).toBe(1);
		expect(agreement.kappa.pairs.every((p) => p.kappa === null)).toBe(true);
		expect(agreement.kappa.summary.n).toBe(0);
		expect(agreement.icc!.forms.ICC2.value).toBeNull();
		expect(a.descriptives[0]!.meanCi).toMatchObject({ estimate: 3, lower: 3, upper: 3 });
		expectJsonSafe(a);
	});

	it('keeps missing ratings out and stays JSON-safe', () => {
		const rows = study({
			raters: 4,
			cases: 10,
			checkpoints: ['base', 'ft'],
			score: (_r, _c, k, _d, g) => (g() < 0.25 ? null : 1 + k + Math.floor(g() * 3))
		});
		const a = analyzeStudy(rows, [], [], config());
		expect(a.overview.ratings).toBe(rows.length);
		expect(a.descriptives.reduce((s, d) => s + d.summary.n, 0)).toBe(rows.length);
		expectJsonSafe(a);
	});

	it('handles a study without any ratings or outputs', () => {
		const a = analyzeStudy([], [], [], config({ checkpoints: ['base', 'mid', 'ft'] }));
		expect(a.overview).toMatchObject({ ratings: 0, raters: 0, cases: 0, items: 0 });
		expect(a.descriptives.every((d) => d.meanCi === null && d.summary.n === 0)).toBe(true);
		expect(a.paired.every((p) => p.tests.every((t) => t.n === 0))).toBe(true);
		expect(a.agreement.every((g) => g.alpha === null && g.icc === null)).toBe(true);
		expect(a.rouge.every((r) => r.n === 0)).toBe(true);
		expect(a.classification.every((c) => c.report === null)).toBe(true);
		expectJsonSafe(a);
	});

	it('rejects inconsistent input', () => {
		const rows = study({ raters: 2, cases: 3, checkpoints: ['base', 'ft'] });
		expect(() => analyzeStudy([...rows, { ...rows[0]!, score: 5 }], [], [], config())).toThrow(
			/not on the scale/
		);
		expect(() => analyzeStudy([...rows, { ...rows[0]! }], [], [], config())).toThrow(/duplicate/);
		expect(() =>
			analyzeStudy([...rows, { ...rows[0]!, caseId: 'other', rater: 'r9' }], [], [], config())
		).toThrow(/two cases/);
		expect(() => analyzeStudy(rows, [], [], config({ checkpoints: ['ft', 'ft'] }))).toThrow(
			/duplicate checkpoint/
		);
	});
});

group('analyzeStudy: agreement', () => {
	const rows = study({
		raters: 4,
		cases: 10,
		checkpoints: ['base', 'ft'],
		score: (r, c, k, _d, g) =>
			r === 3 && c < 3 ? null : Math.min(4, Math.max(1, 1 + ((c + k) % 4) + (g() < 0.3 ? 1 : 0)))
	});
	const a = analyzeStudy(rows, [], [], config());

	it('computes ordinal alpha with the library and brackets it with a bootstrap interval', () => {
		for (const agreement of a.agreement) {
			const t = table(rows, agreement.dimension);
			const alpha = krippendorffAlpha(t, 'ordinal', [1, 2, 3, 4]);
			expect(agreement.alpha!.estimate).toBe(alpha);
			expect(agreement.alpha!.lower!).toBeLessThan(alpha);
			expect(agreement.alpha!.upper!).toBeGreaterThan(alpha);
			expect(agreement).toMatchObject({ raters: 4, items: 20, ratings: 74 });
			expect(agreement.exact).toEqual({ ...exactAgreement(t) });
			expect(agreement.withinOne).toEqual({ ...withinOneAgreement(t) });
		}
	});

	it('computes quadratic-weighted kappa for every rater pair with ≥ 5 shared items', () => {
		const agreement = a.agreement[0]!;
		const t = table(rows, 'accuracy');
		expect(agreement.kappa.eligiblePairs).toBe(6);
		expect(agreement.kappa.subsampled).toBe(false);
		for (const pair of agreement.kappa.pairs) {
			const ra = t[Number(pair.raterA.slice(1))]!;
			const rb = t[Number(pair.raterB.slice(1))]!;
			const shared = ra.flatMap((v, j) => (v !== null && rb[j] !== null ? [j] : []));
			expect(pair.n).toBe(shared.length);
			const k = cohenKappa(
				shared.map((j) => ra[j]!),
				shared.map((j) => rb[j]!),
				{ weights: 'quadratic', categories: [1, 2, 3, 4] }
			);
			expect(pair.kappa).toBe(k);
		}
		expect(agreement.kappa.pairs.filter((p) => p.raterB === 'r3').map((p) => p.n)).toEqual([
			14, 14, 14
		]);
	});

	it('computes the ICC on the largest complete block', () => {
		// Rater r3 misses 6 of 20 items: 3 raters × 20 items (60 cells) beat 4 × 14 (56).
		const agreement = a.agreement[0]!;
		expect(agreement.icc).toMatchObject({ raters: 3, items: 20 });
		const t = table(rows, 'accuracy').slice(0, 3);
		const expected = icc(t[0]!.map((_, j) => t.map((row) => row[j]!)));
		expect(agreement.icc!.forms.ICC2.value).toBe(expected.ICC2.value);
		expect(agreement.icc!.forms.ICC3k.lower).toBe(expected.ICC3k.lower);
	});

	it('finds the complete block of a panel design and of scattered missing ratings', () => {
		// Raters r0–r2 rate cases 0–5, r3–r4 rate cases 6–11, r5 a bit of both.
		const panel = study({
			raters: 6,
			cases: 12,
			checkpoints: ['ft'],
			score: (r, c, _k, _d, g) => {
				if (r === 5) return c % 4 === 0 ? 2 : null;
				return r < 3 === c < 6 ? 1 + Math.floor(g() * 4) : null;
			}
		});
		const p = analyzeStudy(panel, [], [], config({ checkpoints: ['ft'] }));
		expect(p.agreement[0]!.icc).toMatchObject({ raters: 3, items: 6 });
		// 10 raters × 30 items with 3 % of the cells missing at random.
		const scattered = study({
			raters: 10,
			cases: 30,
			checkpoints: ['ft'],
			seed: 'scatter',
			score: (_r, _c, _k, _d, g) => (g() < 0.03 ? null : 1 + Math.floor(g() * 4))
		});
		const s = analyzeStudy(scattered, [], [], config({ checkpoints: ['ft'] }));
		const block = s.agreement[0]!.icc!;
		// The true maximum, by brute force over all 1,023 rater subsets.
		const t = table(scattered, 'accuracy');
		let best = 0;
		for (let mask = 1; mask < 1 << 10; mask++) {
			const raters = t.filter((_, r) => (mask >> r) & 1);
			if (raters.length < 2) continue;
			const items = t[0]!.filter((_, j) => raters.every((row) => row[j] !== null)).length;
			best = Math.max(best, raters.length * items);
		}
		expect(block.raters * block.items).toBe(best);
	});

	it('measures intra-rater agreement on repeated items', () => {
		const repeats: RatingRow[] = ['i00-base', 'i01-base', 'i02-ft', 'i03-ft', 'i04-ft'].flatMap(
			(code, t) =>
				rows
					.filter((r) => r.itemCode === code && r.rater !== 'r3')
					.map((r) => ({
						...r,
						itemCode: `rep-${t}`,
						repeatOf: code,
						score: t === 0 && r.dimension === 'accuracy' ? 1 + (r.score % 4) : r.score
					}))
		);
		const orphan: RatingRow = { ...repeats[0]!, itemCode: 'rep-x', repeatOf: 'missing' };
		const b = analyzeStudy([...rows, ...repeats, orphan], [], [], config());
		expect(b.overview).toMatchObject({ repeatRatings: 31, unmatchedRepeats: 1 });
		// Repeats leave everything else unchanged.
		expect(b.descriptives).toStrictEqual(a.descriptives);
		expect(b.paired).toStrictEqual(a.paired);
		const accuracy = b.agreement[0]!.intraRater;
		const firsts = repeats.filter((r) => r.dimension === 'accuracy');
		const original = (r: RatingRow) =>
			rows.find(
				(x) => x.itemCode === r.repeatOf && x.rater === r.rater && x.dimension === r.dimension
			)!.score;
		expect(accuracy).toMatchObject({ pairs: 15, raters: 3, identical: 12 / 15 });
		expect(accuracy.kappa).toBe(
			cohenKappa(
				firsts.map(original),
				firsts.map((r) => r.score),
				{
					weights: 'quadratic',
					categories: [1, 2, 3, 4]
				}
			)
		);
		expect(b.agreement[1]!.intraRater).toMatchObject({ pairs: 15, identical: 1 });
	});

	it('subsamples rater pairs for kappa when asked, with a seed', () => {
		const many = study({ raters: 8, cases: 5, checkpoints: ['base', 'ft'] });
		const full = analyzeStudy(many, [], [], config());
		const sub = analyzeStudy(many, [], [], config({ maxKappaPairs: 10 }));
		expect(full.agreement[0]!.kappa).toMatchObject({ eligiblePairs: 28, subsampled: false });
		expect(sub.agreement[0]!.kappa).toMatchObject({ eligiblePairs: 28, subsampled: true });
		expect(sub.agreement[0]!.kappa.pairs).toHaveLength(10);
		for (const pair of sub.agreement[0]!.kappa.pairs) {
			expect(full.agreement[0]!.kappa.pairs).toContainEqual(pair);
		}
		expect(analyzeStudy(many, [], [], config({ maxKappaPairs: 10 }))).toStrictEqual(sub);
	});

	it('counts percent agreement of large panels from category counts, as the library does', () => {
		const big = study({
			raters: 45,
			cases: 6,
			checkpoints: ['base', 'ft'],
			seed: 'panel',
			score: (_r, _c, _k, d, g) => (g() < 0.2 ? null : d === 0 ? 1 + Math.floor(g() * 4) : 2)
		});
		const b = analyzeStudy(big, [], [], config({ bootstrapReplicates: 50 }));
		for (const agreement of b.agreement) {
			const t = table(big, agreement.dimension);
			expect(agreement.raters).toBe(45);
			expect(agreement.exact).toEqual({ ...exactAgreement(t) });
			expect(agreement.withinOne).toEqual({ ...withinOneAgreement(t) });
		}
	});

	it('shows the same agreement before unblinding, without checkpoints', () => {
		const blind = rows.map(({ checkpoint: _drop, ...rest }) => rest);
		const summary = checkpointFreeSummary(blind, {
			dimensions: DIMENSIONS,
			seed: 'test',
			bootstrapReplicates: 200
		});
		expect(summary).toStrictEqual({ agreement: a.agreement });
		expect(JSON.stringify(summary)).not.toMatch(/base|"ft"/);
	});
});

group('jointBootstrap', () => {
	it('gives each component the interval bootstrapCi gives it alone', () => {
		const rng = seededRng('joint');
		const clusters = Array.from({ length: 15 }, () => [rng(), rng() * 10, rng() < 0.2 ? 0 : 1]);
		const stats = (s: readonly number[][]) =>
			[0, 1, 2].map((j) => s.reduce((a, c) => a + c[j]!, 0) / s.length);
		const joint = jointBootstrap(clusters, stats, 3, { seed: 'j', replicates: 300, level: 0.9 });
		[0, 1, 2].forEach((j) => {
			const alone = bootstrapCi(clusters, (s) => stats(s)[j]!, {
				seed: 'j',
				replicates: 300,
				level: 0.9
			});
			expect(joint[j]).toEqual(alone);
		});
	});
});

group('analyzeStudy: text metrics and time', () => {
	const cases: CaseRow[] = [
		{
			caseId: 'c00',
			reference: 'Lung cancer (C34.1) treated with VMAT to 60 Gy.',
			goldModality: 'Photon',
			goldIcd10: 'C34.1'
		},
		{
			caseId: 'c01',
			reference: 'Prostate cancer (C61), HDR brachytherapy boost.',
			goldModality: 'brachytherapy',
			goldIcd10: 'C61'
		},
		{ caseId: 'c02', reference: null, goldModality: 'proton', goldIcd10: 'C71.0' },
		{ caseId: 'c03', reference: 'Breast (C50.4), electron boost.', goldModality: null }
	];
	const outputs: OutputRow[] = [
		{
			caseId: 'c00',
			checkpoint: 'base',
			text: 'Lung cancer (C34.9) treated with IMRT.',
			corrected: [
				{ rater: 'r0', text: 'Lung cancer (C34.1) treated with IMRT.' },
				{ rater: 'r1', text: 'Lung cancer (C34.1) treated with VMAT to 60 Gy.' }
			]
		},
		{ caseId: 'c01', checkpoint: 'base', text: 'Prostate cancer, no details.' },
		{ caseId: 'c02', checkpoint: 'base', text: 'Glioma (C71.0), proton therapy.' },
		{ caseId: 'c03', checkpoint: 'base', text: 'Breast cancer (C50.4), electrons.' },
		{ caseId: 'c00', checkpoint: 'ft', text: 'Lung cancer (C34.1) treated with VMAT to 60 Gy.' },
		{ caseId: 'c01', checkpoint: 'ft', text: 'Prostate cancer (C61), HDR brachytherapy.' },
		{ caseId: 'c03', checkpoint: 'ft', text: 'Breast (C50.4), electron boost.', corrected: [] },
		{ caseId: 'c00', checkpoint: 'other', text: 'ignored' }
	];
	const rows = study({ raters: 2, cases: 4, checkpoints: ['base', 'ft'] });
	const a = analyzeStudy(rows, outputs, cases, config());

	it('scores ROUGE against references, skipping cases without one', () => {
		const base = a.rouge[0]!;
		expect(base.n).toBe(3);
		const expected = ['c00', 'c01', 'c03'].map((c) =>
			rougeScores(
				cases.find((x) => x.caseId === c)!.reference!,
				outputs.find((o) => o.caseId === c && o.checkpoint === 'base')!.text
			)
		);
		const f = expected.map((s) => s.rougeL.fmeasure);
		expect(base.scores.rougeL.fmeasure.mean).toBeCloseTo(describe(f).mean, 14);
		expect(base.scores.rougeL.fmeasure.sd).toBeCloseTo(describe(f).sd!, 14);
		expect(base.scores.rouge1.recall.mean).toBeCloseTo(
			describe(expected.map((s) => s.rouge1.recall)).mean,
			14
		);
		expect(a.rouge[1]!.n).toBe(3);
		expect(a.rouge[1]!.scores.rouge1.fmeasure.mean).toBeGreaterThan(0.9);
	});

	it('compares extracted labels with gold, counting no extraction as "none"', () => {
		const modality = a.classification.filter((c) => c.task === 'modality');
		expect(modality.map((c) => c.checkpoint)).toEqual(['base', 'ft']);
		const base = modality[0]!;
		// Gold set in the rules' order; c03 has no gold modality; c01's base output names none.
		expect(base).toMatchObject({
			labels: ['photon', 'proton', 'brachytherapy'],
			n: 3,
			noPrediction: 1,
			noLabel: [0, 0, 1],
			missingOutputs: 0
		});
		expect(base.report).toEqual(
			classificationReport(
				['photon', 'brachytherapy', 'proton'],
				['photon', 'none', 'proton'],
				['photon', 'proton', 'brachytherapy']
			)
		);
		expect(modality[1]).toMatchObject({ n: 2, missingOutputs: 1, noPrediction: 0 });
		expect(modality[1]!.report!.accuracy).toBe(1);

		const code = a.classification.find((c) => c.task === 'icd10' && c.checkpoint === 'base')!;
		expect(code.labels).toEqual(['C34.1', 'C61', 'C71.0']);
		expect(code.report!.accuracy).toBeCloseTo(1 / 3, 15);
		expect(code.report!.predictedOutside).toEqual([1, 1, 0]);
		const category = a.classification.find(
			(c) => c.task === 'icd10Category' && c.checkpoint === 'base'
		)!;
		expect(category.labels).toEqual(['C34', 'C61', 'C71']);
		expect(category.report!.accuracy).toBeCloseTo(2 / 3, 15);
	});

	it('measures correction effort as word edit distance per corrected version', () => {
		const base = a.correctionEffort[0]!;
		const o = outputs[0]!;
		const e = o.corrected!.map((c) => wordEditDistance(o.text, c.text));
		expect(base).toMatchObject({ n: 2, outputs: 1 });
		expect(base.distance.mean).toBe((e[0]!.distance + e[1]!.distance) / 2);
		expect(base.normalized.median).toBeCloseTo((e[0]!.normalized + e[1]!.normalized) / 2, 15);
		expect(a.correctionEffort[1]).toMatchObject({ n: 0, outputs: 0 });
		expect(a.correctionEffort[1]!.distance.mean).toBeNull();
	});

	it('describes time per item with one value per rater and item', () => {
		// Each item's time is repeated on its two dimension rows; a repeat's time is not counted.
		const repeat: RatingRow = {
			...rows[0]!,
			itemCode: 'rep',
			repeatOf: rows[0]!.itemCode,
			secondsOnItem: 999
		};
		const b = analyzeStudy([...rows, repeat], [], [], config());
		const expected = rows
			.filter((r) => r.checkpoint === 'base' && r.dimension === 'accuracy')
			.map((r) => r.secondsOnItem!);
		const d = describe(expected);
		expect(b.timePerItem[0]!.seconds).toMatchObject({ n: 8, mean: d.mean, median: d.median });
		expect(b.timePerItem[0]!.seconds.max).toBe(Math.max(...expected));
	});

	it('rejects two outputs for one case and checkpoint', () => {
		expect(() => analyzeStudy(rows, [...outputs, outputs[0]!], cases, config())).toThrow(
			/two outputs/
		);
	});

	it('stays JSON-safe', () => expectJsonSafe(a satisfies StudyAnalysis));
});
