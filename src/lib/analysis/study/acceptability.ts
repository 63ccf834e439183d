/**
 * The share of acceptable letters per checkpoint (issue 14) under the study's rule
 * (domain/acceptability.ts), and McNemar comparisons of checkpoints on the cases both had a
 * verdict for.
 * - Letter level: each letter (case × checkpoint) gets one verdict from its raters' judgements;
 *   letters of one checkpoint are distinct cases, so the share has a Wilson 95% interval
 *   (wilsonInterval, R's prop.test(correct = FALSE)).
 * - Rating level, the cluster-aware option when raters overlap: the share of all raters'
 *   judgements, whose interval comes from a seeded bootstrap resampling cases (seed
 *   `${seed}/acceptability`), so judgements of one case by several raters stay together.
 * - Comparisons: every pair of checkpoints (a before b in config order), exact McNemar on the
 *   letter verdicts of the cases both have, one-sided where a hypothesis says so, with the
 *   difference in shares and Newcombe's paired interval. One test per pair, so no adjustment.
 */

import {
	letterAcceptable,
	parseRule,
	ratingAcceptable,
	type AcceptabilitySettings
} from '../../domain/acceptability';
import { exactMcNemar, pairedDifferenceCi } from '../mcnemar';
import { wilsonInterval } from '../pairwise';
import type { Alternative } from '../wilcoxon';
import { alternativeFor, type Hypothesis } from './comparisons';
import type { Prepared } from './prepare';
import { finite, jointBootstrap, toInterval, type Interval } from './summary';

export interface AcceptabilityRow {
	checkpoint: string;
	/** Letters with a verdict. */
	letters: number;
	acceptable: number;
	share: number | null;
	/** Wilson 95% interval of the share. */
	lower: number | null;
	upper: number | null;
	/** Letters left out: judged by fewer raters than `raters` = k asks for. */
	excluded: number;
	/** Raters' judgements (one per rater and letter with every score the rule needs). */
	ratings: number;
	acceptableRatings: number;
	/** Share of acceptable judgements with a cluster-bootstrap interval over cases. */
	ratingShare: Interval | null;
}

export interface AcceptabilityComparison {
	a: string;
	b: string;
	/** For a against b: 'greater' means a is acceptable more often. */
	alternative: Alternative;
	/** Cases with a verdict under both checkpoints. */
	n: number;
	both: number;
	onlyA: number;
	onlyB: number;
	neither: number;
	/** Exact McNemar p; 1 without discordant pairs. */
	pValue: number | null;
	/** share(a) − share(b) on these cases, with Newcombe's paired 95% interval. */
	difference: number | null;
	lower: number | null;
	upper: number | null;
}

export interface AcceptabilityResult {
	rule: string;
	raters: AcceptabilitySettings['raters'];
	rows: AcceptabilityRow[];
	comparisons: AcceptabilityComparison[];
	/** Why nothing was computed (a rule naming a dimension the round's form lacks). */
	note: string | null;
}

export interface AcceptabilityOptions {
	seed: string;
	replicates: number;
	hypotheses: readonly Hypothesis[];
}

export function acceptabilitySection(
	p: Prepared,
	settings: AcceptabilitySettings,
	opts: AcceptabilityOptions
): AcceptabilityResult {
	const base = { rule: settings.rule, raters: settings.raters };
	const conditions = parseRule(settings.rule);
	if (typeof conditions === 'string') throw new RangeError(`acceptability rule: ${conditions}`);
	const missing = conditions.flatMap((c) =>
		c.dimension !== null && !p.dimensions.includes(c.dimension) ? [c.dimension] : []
	);
	if (missing.length)
		return {
			...base,
			rows: [],
			comparisons: [],
			note: `the round's form has no dimension ${missing.map((m) => `"${m}"`).join(', ')}`
		};
	const K = p.checkpoints.length;
	const C = p.cases.length;
	const R = p.raters.length;
	const dimIndex = new Map(p.dimensions.map((d, i) => [d, i]));
	// Per (k, c) at k·C + c: raters' acceptable and total judgements.
	const yes = new Int32Array(K * C);
	const judged = new Int32Array(K * C);
	// One lookup for every (item, rater): `at` is the cell i·R + r being judged.
	let at = 0;
	const scoreOf = (d: string) => {
		const j = dimIndex.get(d)!;
		const s = p.scores[j]![at]!;
		return s < 0 ? undefined : p.scales[j]![s]!;
	};
	for (let i = 0; i < p.items.length; i++) {
		const cell = p.itemCheckpoint[i]! * C + p.itemCase[i]!;
		for (let r = 0; r < R; r++) {
			at = i * R + r;
			const verdict = ratingAcceptable(conditions, p.dimensions, scoreOf);
			if (verdict === null) continue;
			judged[cell]!++;
			if (verdict) yes[cell]!++;
		}
	}
	// −1: no verdict; 0 / 1.
	const letters = new Int8Array(K * C).fill(-1);
	for (let x = 0; x < K * C; x++) {
		const v = letterAcceptable(yes[x]!, judged[x]!, settings.raters);
		if (v !== null) letters[x] = v ? 1 : 0;
	}
	const caseIndices = [...Array(C).keys()];
	const intervals =
		C === 0
			? []
			: jointBootstrap(
					caseIndices,
					(sample) => {
						const out = new Float64Array(K);
						for (let k = 0; k < K; k++) {
							let y = 0;
							let n = 0;
							for (const c of sample) {
								y += yes[k * C + c]!;
								n += judged[k * C + c]!;
							}
							out[k] = n === 0 ? Number.NaN : y / n;
						}
						return out;
					},
					K,
					{ seed: `${opts.seed}/acceptability`, replicates: opts.replicates }
				);
	const rows = p.checkpoints.map((checkpoint, k): AcceptabilityRow => {
		let n = 0;
		let ok = 0;
		let excluded = 0;
		let ratings = 0;
		let acceptableRatings = 0;
		for (let c = 0; c < C; c++) {
			const x = k * C + c;
			ratings += judged[x]!;
			acceptableRatings += yes[x]!;
			if (letters[x]! >= 0) {
				n++;
				ok += letters[x]!;
			} else if (judged[x]! > 0) excluded++;
		}
		const w = n > 0 ? wilsonInterval(ok, n) : null;
		return {
			checkpoint,
			letters: n,
			acceptable: ok,
			share: w ? w.estimate : null,
			lower: w ? w.lower : null,
			upper: w ? w.upper : null,
			excluded,
			ratings,
			acceptableRatings,
			ratingShare: ratings > 0 && intervals[k] ? toInterval(intervals[k]) : null
		};
	});
	const comparisons: AcceptabilityComparison[] = [];
	p.checkpoints.forEach((a, ka) =>
		p.checkpoints.forEach((b, kb) => {
			if (kb <= ka) return;
			const alternative = alternativeFor(opts.hypotheses, a, b);
			const t = { both: 0, onlyX: 0, onlyY: 0, neither: 0 };
			for (let c = 0; c < C; c++) {
				const va = letters[ka * C + c]!;
				const vb = letters[kb * C + c]!;
				if (va < 0 || vb < 0) continue;
				if (va && vb) t.both++;
				else if (va) t.onlyX++;
				else if (vb) t.onlyY++;
				else t.neither++;
			}
			const n = t.both + t.onlyX + t.onlyY + t.neither;
			const d = n > 0 ? pairedDifferenceCi(t) : null;
			comparisons.push({
				a,
				b,
				alternative,
				n,
				both: t.both,
				onlyA: t.onlyX,
				onlyB: t.onlyY,
				neither: t.neither,
				pValue: n > 0 ? exactMcNemar(t.onlyX, t.onlyY, alternative) : null,
				difference: finite(d?.estimate),
				lower: finite(d?.lower),
				upper: finite(d?.upper)
			});
		})
	);
	return { ...base, rows, comparisons, note: null };
}
