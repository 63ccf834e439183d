/**
 * Text sections of the study analysis: ROUGE of each checkpoint's letters against the case's
 * reference letter, and the correction effort (word-level edit distance between a letter and
 * each expert-corrected version).
 */

import { describe } from '../descriptive';
import type { PerCaseMetrics } from '../per-case-metrics';
import { ROUGE_TYPES, type RougeScore, type RougeType } from '../rouge';
import { finite, getOrCreate, summarize, type MeanSd, type Summary } from './summary';
import { editDistanceOf, editTokens, type EditDistance } from '../text-metrics';

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

/**
 * Per checkpoint, mean and SD of every ROUGE score over its outputs whose case has a reference,
 * from the scores perCaseMetrics computed once per output (the paired tests on automatic metrics
 * and the per-case export read the same), taken in the order of `cases`.
 */
export function rougeSection(
	scored: readonly PerCaseMetrics[],
	checkpoints: readonly string[],
	cases: readonly CaseRow[]
): RougeRow[] {
	const withReference = cases.filter((c) => present(c.reference));
	const byCp = new Map<string, Map<string, Record<RougeType, RougeScore>>>();
	for (const r of scored)
		if (r.rouge) getOrCreate(byCp, r.checkpoint, () => new Map()).set(r.caseId, r.rouge);
	return checkpoints.map((checkpoint) => {
		const values = Object.fromEntries(
			ROUGE_TYPES.map((t) => [
				t,
				{ precision: [] as number[], recall: [] as number[], fmeasure: [] as number[] }
			])
		) as Record<RougeType, Record<'precision' | 'recall' | 'fmeasure', number[]>>;
		let n = 0;
		const ofCheckpoint = byCp.get(checkpoint);
		for (const c of withReference) {
			const s = ofCheckpoint?.get(c.caseId);
			if (!s) continue;
			n++;
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

/**
 * Word-level edit distance between each output and each of its corrected versions
 * (wordEditDistance). Each distinct text is tokenized once, its tokens mapped to integer ids so
 * the dynamic programme compares numbers, and each distinct (output, correction) pair is
 * computed once.
 */
export function correctionSection(
	byCp: Map<string, OutputRow>[],
	checkpoints: readonly string[]
): CorrectionRow[] {
	const vocabulary = new Map<string, number>();
	// Called once per token: a plain lookup, no closure per call.
	const idOf = (token: string) => {
		let id = vocabulary.get(token);
		if (id === undefined) vocabulary.set(token, (id = vocabulary.size));
		return id;
	};
	const tokens = new Map<string, Int32Array>();
	const tokensOf = (text: string) =>
		getOrCreate(tokens, text, () => Int32Array.from(editTokens(text), idOf));
	const distances = new Map<string, Map<string, EditDistance>>();
	const distanceOf = (original: string, corrected: string) =>
		getOrCreate(
			getOrCreate(distances, original, () => new Map()),
			corrected,
			() => editDistanceOf(tokensOf(original), tokensOf(corrected))
		);
	return checkpoints.map((checkpoint, k) => {
		const distance: number[] = [];
		const normalized: number[] = [];
		let outputs = 0;
		for (const o of byCp[k]!.values()) {
			if (!o.corrected?.length) continue;
			outputs++;
			for (const c of o.corrected) {
				const e = distanceOf(o.text, c.text);
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
