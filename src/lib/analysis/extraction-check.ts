/**
 * The labels extracted from each output against its case's gold labels, for tuning a study's
 * extraction rules before unblinding (`npm run cli -- extraction <study>`). Outputs are named by
 * their blinded item codes and the hit rates pool every output: nothing is grouped, ordered or
 * labelled by checkpoint, so the rules cannot be tuned towards one model.
 */
import {
	extractIcd10,
	extractModality,
	icd10Category,
	type ExtractionRules
} from './label-extraction';
import { formatPercent } from './report-format';

export interface ExtractionInput {
	/** The output's blinded item code; null when it is shown in no round. */
	code: string | null;
	caseId: string;
	/** The normalized text, as raters see it and the analysis reads it. */
	text: string;
	goldModality: string | null;
	goldIcd10: string | null;
}

export type Hit = boolean | null;

export interface ExtractionLine {
	code: string | null;
	caseId: string;
	gold: { modality: string | null; icd10: string | null };
	extracted: { modality: string | null; icd10: string | null; evidence: string | null };
	/** Extracted equals gold; null when the case has no gold label for it. */
	hit: { modality: Hit; icd10: Hit; icd10Category: Hit };
}

export interface HitRate {
	/** Outputs whose case has this gold label. */
	compared: number;
	/** Of these, outputs where a label was extracted at all. */
	found: number;
	/** Of these, outputs where it equals the gold label. */
	correct: number;
}

export interface ExtractionCheck {
	lines: ExtractionLine[];
	rates: { modality: HitRate; icd10: HitRate; icd10Category: HitRate };
}

const present = (s: string | null): s is string => s !== null && s.trim() !== '';

/**
 * Extracts both labels from every output with `rules` and compares them with gold as the
 * analysis does (classification.ts): modality lower-cased, ICD-10 upper-cased, category = the
 * code's first three characters. Lines come sorted by code, outputs without a code last in the
 * order given (the caller's order must not follow checkpoints).
 */
export function checkExtraction(
	inputs: readonly ExtractionInput[],
	rules: ExtractionRules
): ExtractionCheck {
	const rate = (): HitRate => ({ compared: 0, found: 0, correct: 0 });
	const rates = { modality: rate(), icd10: rate(), icd10Category: rate() };
	const count = (r: HitRate, gold: string | null, got: string | null): Hit => {
		if (gold === null) return null;
		r.compared++;
		if (got !== null) r.found++;
		if (got === gold) r.correct++;
		return got === gold;
	};
	const lines = inputs.map((o): ExtractionLine => {
		const modality = extractModality(o.text, rules.modality);
		const icd = extractIcd10(o.text, rules.icd10);
		const goldModality = present(o.goldModality) ? o.goldModality.trim().toLowerCase() : null;
		const goldIcd10 = present(o.goldIcd10) ? o.goldIcd10.trim().toUpperCase() : null;
		const goldCategory = goldIcd10 === null ? null : (icd10Category(goldIcd10) ?? goldIcd10);
		return {
			code: o.code,
			caseId: o.caseId,
			gold: { modality: goldModality, icd10: goldIcd10 },
			extracted: { modality, icd10: icd?.code ?? null, evidence: icd?.evidence ?? null },
			hit: {
				modality: count(rates.modality, goldModality, modality),
				icd10: count(rates.icd10, goldIcd10, icd?.code ?? null),
				icd10Category: count(rates.icd10Category, goldCategory, icd?.category ?? null)
			}
		};
	});
	const coded = lines.filter((l) => l.code !== null);
	coded.sort((a, b) => (a.code! < b.code! ? -1 : a.code! > b.code! ? 1 : 0));
	return { lines: [...coded, ...lines.filter((l) => l.code === null)], rates };
}

const mark = (hit: Hit) => (hit === null ? '' : hit ? ' ✓' : ' ✗');
const label = (s: string | null) => s ?? 'none';

/** The check as plain text for a terminal: one line per output, then the hit rates. */
export function renderExtractionCheck(
	check: ExtractionCheck,
	meta: { study: string; rules: string; round: string | null }
): string {
	const where = meta.round === null ? 'every output of the study' : `round "${meta.round}"`;
	const rows = check.lines.map((l) => [
		l.code ?? '(no round)',
		l.caseId,
		l.gold.modality === null
			? `– → ${label(l.extracted.modality)}`
			: `${l.gold.modality} → ${label(l.extracted.modality)}${mark(l.hit.modality)}`,
		(l.gold.icd10 === null
			? `– → ${label(l.extracted.icd10)}`
			: `${l.gold.icd10} → ${label(l.extracted.icd10)}${mark(l.hit.icd10)}`) +
			(l.extracted.evidence ? ` (${l.extracted.evidence})` : '')
	]);
	const header = ['code', 'case', 'modality: gold → extracted', 'ICD-10: gold → extracted'];
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
	const line = (cells: string[]) =>
		cells
			.map((c, i) => (i < cells.length - 1 ? c.padEnd(widths[i]!) : c))
			.join('  ')
			.trimEnd();
	const rate = (name: string, r: HitRate) =>
		`  ${name.padEnd(16)} ${r.correct} of ${r.compared} (${formatPercent(r.compared ? r.correct / r.compared : null)}); nothing found in ${r.compared - r.found}`;
	return [
		`Label extraction, study "${meta.study}", ${where}: ${check.lines.length} outputs by blinded code (never by checkpoint).`,
		`Rules: ${meta.rules}.`,
		'',
		line(header),
		...rows.map(line),
		'',
		'Hit rate (extracted = gold, over outputs whose case has that gold label):',
		rate('modality', check.rates.modality),
		rate('ICD-10 code', check.rates.icd10),
		rate('ICD-10 category', check.rates.icd10Category),
		''
	].join('\n');
}
