/**
 * The PHI scan of study data before import (issue 13, point 4): every string field of every
 * case (source, reference) and every imported output, with findings located by file, line,
 * field and span. Messages carry the identifier only masked, so findings can be shown, logged
 * and audited without leaking what they found. Pure.
 */
import type { Issue } from '../../errors';
import {
	findIdentifiers,
	maskIdentifier,
	PHI_LABELS,
	type InstitutionPattern,
	type PhiKind
} from './rules';

export interface PhiFinding {
	file: string;
	line: number;
	/** Dot path of the field inside the row, e.g. source.patient or reference. */
	field: string;
	kind: PhiKind;
	/** The institution pattern's name, for kind 'institution'. */
	rule?: string;
	/** [start, end) inside the field's text, 0-based. */
	start: number;
	end: number;
	/** The identifier with letters and digits masked: never the identifier itself. */
	masked: string;
}

/** A row of a study file to scan: its line and the fields that hold text. */
export interface ScanRow {
	line: number;
	value: unknown;
}

/** Fields never scanned: ids and codes the study itself defines (checked by their own schemas). */
const SKIP = new Set(['id', 'case_id', 'checkpoint', 'site', 'gold']);

/**
 * Calls `found` with every string inside `value` and the keys leading to it (arrays by index).
 * `keys` is one array reused along the walk: read it at once (a field's dot path is built only
 * for a finding, not for each of a study's hundreds of thousands of fields).
 */
function eachString(
	value: unknown,
	found: (text: string, keys: readonly string[]) => void,
	keys: string[] = []
): void {
	if (typeof value === 'string') found(value, keys);
	else if (Array.isArray(value)) {
		for (let i = 0; i < value.length; i++) {
			keys.push(String(i));
			eachString(value[i], found, keys);
			keys.pop();
		}
	} else if (value !== null && typeof value === 'object') {
		for (const [k, v] of Object.entries(value)) {
			if (keys.length === 0 && SKIP.has(k)) continue;
			keys.push(k);
			eachString(v, found, keys);
			keys.pop();
		}
	}
}

/** Scans the rows of one file (cases or outputs), in file order. */
export function scanRows(
	rows: Iterable<ScanRow>,
	file: string,
	institution: readonly InstitutionPattern[] = []
): PhiFinding[] {
	const findings: PhiFinding[] = [];
	for (const row of rows) {
		eachString(row.value, (text, keys) => {
			for (const span of findIdentifiers(text, institution)) {
				findings.push({
					file,
					line: row.line,
					field: keys.join('.'),
					kind: span.kind,
					...(span.rule ? { rule: span.rule } : {}),
					start: span.start,
					end: span.end,
					masked: maskIdentifier(text.slice(span.start, span.end))
				});
			}
		});
	}
	return findings;
}

/** What a finding is called in messages: its kind, or the institution pattern's name. */
export function describeKind(f: Pick<PhiFinding, 'kind' | 'rule'>): string {
	return f.kind === 'institution' && f.rule
		? `institution pattern "${f.rule}"`
		: PHI_LABELS[f.kind];
}

/** A finding as an issue naming file, line and field; the message shows the span, masked. */
export function findingIssue(f: PhiFinding): Issue {
	return {
		file: f.file,
		line: f.line,
		field: f.field,
		message: `possible ${describeKind(f)} at characters ${f.start + 1}–${f.end} ("${f.masked}")`
	};
}

/** Counts of findings by kind, for summaries and the audit row (no text, no spans). */
export function countByKind(findings: readonly PhiFinding[]): Partial<Record<PhiKind, number>> {
	const counts: Partial<Record<PhiKind, number>> = {};
	for (const f of findings) counts[f.kind] = (counts[f.kind] ?? 0) + 1;
	return counts;
}
