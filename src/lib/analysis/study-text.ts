/**
 * Text sections of the study analysis: ROUGE of each checkpoint's letters against the case's
 * reference letter, and the correction effort (word-level edit distance between a letter and
 * each expert-corrected version).
 */

import { describe } from './descriptive';
import { rougeScores, type RougeOptions, type RougeType } from './rouge';
import { finite, summarize, type MeanSd, type Summary } from './study-summary';
import { wordEditDistance } from './text-metrics';

export interface OutputRow {
	caseId: string;
	checkpoint: string;
	text: string;
	corrected?: { rater: string; text: string }[];
}

export interface CaseRow {
	caseId: string;
	reference?: string | null;
	goldModality?: string | null;
	goldIcd10?: string | null;
}

export interface RougeRow {
	checkpoint: string;
	/** Outputs scored (their case has a reference). */
	n: number;
	scores: Record<RougeType, { precision: MeanSd; recall: MeanSd; fmeasure: MeanSd }>;
}

export interface CorrectionRow {
	checkpoint: string;
	/** Corrected versions compared (one per rater who corrected an output). */
	n: number;
	outputs: number;
	/** Word-level Levenshtein distance (editTokens). */
	distance: Summary;
	/** Distance / max(#tokens). */
	normalized: Summary;
}

const ROUGE_TYPES: RougeType[] = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'];

export function outputIndex(
	outputs: readonly OutputRow[],
	checkpoints: readonly string[]
): Map<string, OutputRow>[] {
	const cpIndex = new Map(checkpoints.map((c, k) => [c, k]));
	const byCp = checkpoints.map(() => new Map<string, OutputRow>());
	for (const o of outputs) {
		const k = cpIndex.get(o.checkpoint);
		if (k === undefined) continue;
		if (byCp[k]!.has(o.caseId)) {
			throw new RangeError(`two outputs for case ${o.caseId}, checkpoint ${o.checkpoint}`);
		}
		byCp[k]!.set(o.caseId, o);
	}
	return byCp;
}

export const present = (s: string | null | undefined): s is string =>
	s !== null && s !== undefined && s.trim() !== '';

export function rougeSection(
	byCp: Map<string, OutputRow>[],
	checkpoints: readonly string[],
	cases: readonly CaseRow[],
	opts: RougeOptions | undefined
): RougeRow[] {
	const withReference = cases.filter((c) => present(c.reference));
	return checkpoints.map((checkpoint, k) => {
		const values = Object.fromEntries(
			ROUGE_TYPES.map((t) => [
				t,
				{ precision: [] as number[], recall: [] as number[], fmeasure: [] as number[] }
			])
		) as Record<RougeType, Record<'precision' | 'recall' | 'fmeasure', number[]>>;
		let n = 0;
		for (const c of withReference) {
			const output = byCp[k]!.get(c.caseId);
			if (!output) continue;
			n++;
			const s = rougeScores(c.reference!, output.text, opts ?? {});
			for (const t of ROUGE_TYPES) {
				values[t].precision.push(s[t].precision);
				values[t].recall.push(s[t].recall);
				values[t].fmeasure.push(s[t].fmeasure);
			}
		}
		const meanSd = (xs: number[]): MeanSd => {
			const d = describe(xs);
			return { mean: finite(d.mean), sd: finite(d.sd) };
		};
		const scores = Object.fromEntries(
			ROUGE_TYPES.map((t) => [
				t,
				{
					precision: meanSd(values[t].precision),
					recall: meanSd(values[t].recall),
					fmeasure: meanSd(values[t].fmeasure)
				}
			])
		) as RougeRow['scores'];
		return { checkpoint, n, scores };
	});
}

export function correctionSection(
	byCp: Map<string, OutputRow>[],
	checkpoints: readonly string[]
): CorrectionRow[] {
	return checkpoints.map((checkpoint, k) => {
		const distance: number[] = [];
		const normalized: number[] = [];
		let outputs = 0;
		for (const o of byCp[k]!.values()) {
			if (!o.corrected?.length) continue;
			outputs++;
			for (const c of o.corrected) {
				const e = wordEditDistance(o.text, c.text);
				distance.push(e.distance);
				normalized.push(e.normalized);
			}
		}
		return {
			checkpoint,
			n: distance.length,
			outputs,
			distance: summarize(distance),
			normalized: summarize(normalized)
		};
	});
}
