/**
 * Training/evaluation leakage (issue 13, point 3): which evaluation cases appear in the data a
 * checkpoint was trained on, by case id and by near-duplicate text of the case's source or
 * reference letter. Pure: the server reads the training file and hands over its lines.
 *
 * Near duplicates are found by exact word 5-gram containment: the share of a case text's
 * distinct 5-word shingles that also occur in one training example,
 *
 *     containment(case, example) = |S(case) ∩ S(example)| / |S(case)|,
 *
 * computed exactly through an inverted index from shingle to examples (no MinHash sampling, so
 * no false negatives from hashing). Containment rather than Jaccard because a training example
 * wraps the case in a prompt template and adds the letter: a case copied whole into a longer
 * example still scores 1. A case text is flagged at containment ≥ LEAKAGE_THRESHOLD (0.5).
 * Why 0.5: each edited word removes at most five shingles, so a letter of 200 words keeps more
 * than half of its shingles through some 20 scattered edits, while an independent paraphrase
 * (different wording, same facts) shares few runs of five words (the tests' paraphrase: < 0.2).
 * Texts of fewer than MIN_SHINGLES shingles are matched by id only (a one-line field such as an
 * ICD code would otherwise match everywhere), and shingles found in more than
 * COMMON_SHINGLE_SHARE of the training examples (template boilerplate) count on neither side.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { ValidationError, type Issue } from '../errors';
import { parseJsonLine } from './json-line';
import type { Line } from './lines';

export const SHINGLE_WORDS = 5;
export const LEAKAGE_THRESHOLD = 0.5;
export const MIN_SHINGLES = 8;
export const COMMON_SHINGLE_SHARE = 0.5;

/** One training example: where it is, the case id it names (if any), and its text. */
export interface TrainingExample {
	line: number;
	id?: string;
	text: string;
}

/** An evaluation case as the check sees it: its id, its source as text, its reference letter. */
export interface EvalCase {
	id: string;
	source: string;
	reference?: string;
}

export type LeakageBy = 'id' | 'source' | 'reference';

/** One leaked pair: an evaluation case and the training example that holds it. */
export interface LeakageMatch {
	caseId: string;
	by: LeakageBy;
	/** Line (JSONL, id list) or record's last line (CSV) of the training example. */
	line: number;
	/** The training example's id, when it has one. */
	trainingId?: string;
	/** Containment of the case text in the example (1 for an id match), rounded to 3 places. */
	similarity: number;
}

export interface LeakageReport {
	/** The training data file, as the manifest names it. */
	file: string;
	examples: number;
	threshold: number;
	matches: LeakageMatch[];
	/** Distinct evaluation cases found, in case order. */
	leakedCases: string[];
	/**
	 * The real path of the file the server read, kept so that the check runs again on the
	 * current file when a round opens (server/rounds/leakage.ts); never shown.
	 */
	source?: string;
}

const ID_FIELDS = ['id', 'case_id', 'caseId'];

/** The words of a text, lower-cased: letters and digits (any script), everything else a break. */
export function words(text: string): string[] {
	return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The distinct word n-grams of a text. */
export function shingles(text: string, n = SHINGLE_WORDS): Set<string> {
	const w = words(text);
	const out = new Set<string>();
	for (let i = 0; i + n <= w.length; i++) out.add(w.slice(i, i + n).join(' '));
	return out;
}

/** Every string inside a JSON value, in order (keys excluded), joined by newlines. */
export function flattenText(value: unknown, skip: readonly string[] = []): string {
	const parts: string[] = [];
	const walk = (v: unknown) => {
		if (typeof v === 'string') parts.push(v);
		else if (typeof v === 'number' || typeof v === 'boolean') parts.push(String(v));
		else if (Array.isArray(v)) v.forEach(walk);
		else if (v && typeof v === 'object')
			for (const [k, x] of Object.entries(v)) if (!skip.includes(k)) walk(x);
	};
	walk(value);
	return parts.join('\n');
}

export type TrainingFormat = 'jsonl' | 'csv' | 'ids';

/** The format of a training data file, by its name: .jsonl, .csv, or .txt (one case id a line). */
export function trainingFormat(file: string): TrainingFormat | undefined {
	if (/\.jsonl$/i.test(file)) return 'jsonl';
	if (/\.csv$/i.test(file)) return 'csv';
	if (/\.txt$/i.test(file)) return 'ids';
	return undefined;
}

const idOf = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/**
 * Parses training data: JSONL (any fields; `id`/`case_id` name the case, every other string is
 * text, e.g. prompt and completion or chat messages), CSV (a header row; the same id columns)
 * or a list of case ids. Malformed lines are issues naming file and line.
 */
export function parseTrainingData(lines: Iterable<Line>, file: string): TrainingExample[] {
	const format = trainingFormat(file);
	const issues: Issue[] = [];
	const out: TrainingExample[] = [];
	if (format === 'ids') {
		for (const { line, text } of lines)
			if (text.trim()) out.push({ line, id: text.trim(), text: '' });
	} else if (format === 'jsonl') {
		for (const { line, text } of lines) {
			if (!text.trim()) continue;
			const parsed = parseJsonLine(text);
			if (!parsed.ok) {
				issues.push({ file, line, message: parsed.issue.message });
				continue;
			}
			const v = parsed.value;
			if (v === null || typeof v !== 'object' || Array.isArray(v)) {
				issues.push({ file, line, message: 'is not a JSON object' });
				continue;
			}
			const rec = v as Record<string, unknown>;
			const id = ID_FIELDS.map((k) => idOf(rec[k])).find(Boolean);
			out.push({ line, ...(id ? { id } : {}), text: flattenText(rec, ID_FIELDS) });
		}
	} else if (format === 'csv') {
		const text = Array.from(lines, (l) => l.text).join('\n');
		try {
			const records = parseCsv(text, {
				columns: true,
				info: true,
				skip_empty_lines: true,
				relax_column_count: true
			}) as { record: Record<string, string>; info: { lines: number } }[];
			for (const { record, info } of records) {
				const id = ID_FIELDS.map((k) => idOf(record[k])).find(Boolean);
				out.push({ line: info.lines, ...(id ? { id } : {}), text: flattenText(record, ID_FIELDS) });
			}
		} catch (e) {
			const m = /line (\d+)/.exec((e as Error).message);
			issues.push({
				file,
				...(m ? { line: Number(m[1]) } : {}),
				message: `invalid CSV (${(e as Error).message.split(':')[0]})`
			});
		}
	} else
		issues.push({ file, message: 'training data must be a .jsonl, .csv or .txt (case ids) file' });
	if (issues.length) throw new ValidationError(issues, `${file} is not valid training data`);
	return out;
}

/**
 * Finds every evaluation case in the training examples: by id, and by containment of its source
 * and of its reference letter (see the module comment for the measure and the threshold).
 */
export function findLeakage(
	cases: readonly EvalCase[],
	examples: readonly TrainingExample[],
	file: string,
	threshold = LEAKAGE_THRESHOLD
): LeakageReport {
	const matches: LeakageMatch[] = [];
	const byId = new Map<string, TrainingExample[]>();
	for (const ex of examples) if (ex.id) byId.set(ex.id, [...(byId.get(ex.id) ?? []), ex]);

	// Inverted index: shingle → indexes of the examples holding it.
	const index = new Map<string, number[]>();
	examples.forEach((ex, i) => {
		for (const s of shingles(ex.text)) {
			const list = index.get(s);
			if (list) list.push(i);
			else index.set(s, [i]);
		}
	});
	const common = Math.max(2, COMMON_SHINGLE_SHARE * examples.length);

	const near = (text: string | undefined): { example: number; similarity: number }[] => {
		if (!text) return [];
		const own = [...shingles(text)].filter((s) => (index.get(s)?.length ?? 0) <= common);
		if (own.length < MIN_SHINGLES) return [];
		const shared = new Map<number, number>();
		for (const s of own)
			for (const i of index.get(s) ?? []) shared.set(i, (shared.get(i) ?? 0) + 1);
		return [...shared]
			.map(([example, n]) => ({ example, similarity: n / own.length }))
			.filter((m) => m.similarity >= threshold);
	};

	for (const c of cases) {
		for (const ex of byId.get(c.id) ?? [])
			matches.push({ caseId: c.id, by: 'id', line: ex.line, trainingId: ex.id, similarity: 1 });
		for (const by of ['source', 'reference'] as const) {
			for (const m of near(c[by])) {
				const ex = examples[m.example]!;
				matches.push({
					caseId: c.id,
					by,
					line: ex.line,
					...(ex.id ? { trainingId: ex.id } : {}),
					similarity: Math.round(m.similarity * 1000) / 1000
				});
			}
		}
	}
	const leaked = new Set(matches.map((m) => m.caseId));
	return {
		file,
		examples: examples.length,
		threshold,
		matches,
		leakedCases: cases.map((c) => c.id).filter((id) => leaked.has(id))
	};
}

/** A match as a line of text for the CLI and the pages (ids and numbers only, no case text). */
export function describeMatch(m: LeakageMatch): string {
	const what =
		m.by === 'id'
			? 'by case id'
			: `${m.by} text, ${Math.round(m.similarity * 100)}% of its 5-word shingles`;
	const where = `line ${m.line}${m.trainingId && m.by !== 'id' ? ` (id "${m.trainingId}")` : ''}`;
	return `case "${m.caseId}" ↔ training example at ${where}: ${what}`;
}
