// Over 300 lines: the extraction rules as data (defaults, and a study's settings turned into
// rules) beside the two extractors that read them.
/**
 * Rule-based extraction of two labels from a generated letter, for comparing them with the
 * case's true diagnosis code and treatment modality (see classification.ts):
 * (a) an ICD-10 code, (b) the radiotherapy modality. The rules are data (DEFAULT_EXTRACTION_RULES)
 * so a study can replace or extend them (study.yaml `analysis.extraction`, turned into rules by
 * extractionRulesOf); docs/text-metrics.md explains each choice.
 */
import { compileExtractionPattern, type ExtractionSettings } from '../domain/extraction-settings';

/** What an output without an extracted label is predicted as (classification, per-case metrics). */
export const NO_LABEL = 'none';

export interface Icd10Rules {
	/**
	 * One ICD-10 code; the whole match is taken as the code (use lookarounds for context). Group 1
	 * is the 3-character category, group 2 the optional subdivision after the dot. The default
	 * excludes U (codes for special purposes), requires upper case as codes are written, and
	 * delimits codes by Unicode letters and digits (so not inside "CD20" or "T790M").
	 */
	code: RegExp;
	/** Text that marks a code as explicitly labelled, e.g. "ICD-10:" or "ICD-10-GM". */
	marker: RegExp;
	/** More markers (a study's own); each is searched on its own, like `marker`. */
	extraMarkers?: readonly RegExp[];
	/** How many characters may lie between the end of a marker and a code it labels. */
	markerWindow: number;
	/**
	 * Searched in the 16 characters right after a code (anchor it with ^): if it matches, the
	 * code is not a diagnosis. The default rejects dose–volume parameters (V20 < 30 %, D95 ≥ 95 %,
	 * V107%, D50 = 2 Gy), which look exactly like ICD-10 codes and are common in radiation-oncology
	 * letters.
	 */
	notFollowedBy: RegExp;
}

export interface ModalityRules {
	/**
	 * Keywords per modality, matched case-insensitively as whole words (Unicode letters and
	 * digits delimit words). A space or hyphen in a keyword matches any run of spaces and hyphens,
	 * so "seed implant" also finds "Seed-Implantation" when written "seed implant*". A trailing '*'
	 * lets the word continue ("Protonen*" → "Protonentherapie").
	 */
	keywords: Record<string, readonly string[]>;
	/**
	 * Regular expressions per modality (a study's own), each match a hit like a keyword's. Hits
	 * of one modality that overlap count once: the earliest (then longest) is kept.
	 */
	patterns?: Record<string, readonly RegExp[]>;
	/**
	 * `count`: the modality with the most keyword hits, ties broken by `priority`.
	 * `priority`: the first modality in `priority` with any hit.
	 * `first`: the modality mentioned earliest in the text.
	 */
	strategy: 'count' | 'priority' | 'first';
	/** Order used for ties (and for `priority`); modalities not listed come last, by key order. */
	priority: readonly string[];
}

export interface ExtractionRules {
	icd10: Icd10Rules;
	modality: ModalityRules;
}

export const DEFAULT_EXTRACTION_RULES: ExtractionRules = {
	icd10: {
		code: /(?<![\p{L}\p{N}])([A-TV-Z][0-9][0-9AB])(?:\.([0-9A-Z]{1,4}))?(?![\p{L}\p{N}])/gu,
		marker: /(?<!\p{L})ICD(?:[- ]?10)?(?:[- ]?GM)?(?:[- ]?(?:Code|Kode|Schlüssel))?/giu,
		markerWindow: 12,
		notFollowedBy: /^\s*(?:%|<|>|≤|≥|=|Gy\b|cc\b|ccm\b|ml\b|cm³)/u
	},
	modality: {
		keywords: {
			photon: [
				'photon*',
				'Photonen*',
				'IMRT',
				'VMAT',
				'RapidArc',
				'SBRT',
				'SABR',
				'SRS',
				'stereotactic',
				'stereotaktisch*',
				'Stereotaxie',
				'radiosurgery',
				'Radiochirurgie',
				'3D-CRT',
				'3D conformal',
				'3D-konformal*',
				'TomoTherapy',
				'Tomotherapie',
				'helical tomotherapy',
				'CyberKnife',
				'Gamma Knife',
				'linear accelerator*',
				'linac*',
				'Linearbeschleuniger*'
			],
			proton: ['proton*', 'Protonen*', 'PBS', 'pencil beam scanning', 'IMPT', 'Protonentherapie'],
			electron: [
				'electron',
				'electrons',
				'electron beam*',
				'electron therapy',
				'Elektronen*',
				'Elektronenbestrahlung'
			],
			brachytherapy: [
				'brachytherap*',
				'Brachytherapie',
				'HDR',
				'LDR',
				'PDR',
				'afterloading',
				'seed implant*',
				'Seedimplantation',
				'intracavitary',
				'intrakavitär*'
			]
		},
		strategy: 'count',
		priority: ['brachytherapy', 'proton', 'electron', 'photon']
	}
};

export interface Icd10Match {
	/** The code as written, e.g. 'C34.1'. */
	code: string;
	/** Its 3-character category, e.g. 'C34'. */
	category: string;
	/** Offset of the code in the text. */
	index: number;
	/** Why it was chosen: labelled by a marker, in parentheses, with a subdivision, or bare. */
	evidence: 'marker' | 'parentheses' | 'subdivision' | 'bare';
}

const EVIDENCE_RANK: Record<Icd10Match['evidence'], number> = {
	marker: 0,
	parentheses: 1,
	subdivision: 2,
	bare: 3
};

/**
 * The 3-character ICD-10 category of a code: the letter and two characters before any dot
 * (WHO ICD-10 structure), e.g. 'C34.1' → 'C34', 'c50.41' → 'C50'. Returns null when `code` does
 * not start like an ICD-10 code.
 */
export function icd10Category(code: string): string | null {
	const m = /^\s*([A-Z][0-9][0-9AB])/iu.exec(code);
	return m ? m[1]!.toUpperCase() : null;
}

function withGlobal(re: RegExp): RegExp {
	return re.flags.includes('g')
		? new RegExp(re.source, re.flags)
		: new RegExp(re.source, re.flags + 'g');
}

/** Whether `index` sits inside an unclosed '(' or '[' that closes after `end` on the same line. */
function inParentheses(text: string, index: number, end: number): boolean {
	const before = text.slice(0, index);
	const open = Math.max(before.lastIndexOf('('), before.lastIndexOf('['));
	if (open < 0) return false;
	const between = text.slice(open + 1, index);
	if (/[)\]\n]/u.test(between)) return false;
	const close = text.slice(end).search(/[)\]]/u);
	return close >= 0 && !/\n/u.test(text.slice(end, end + close));
}

/**
 * Find the ICD-10 code a letter states as its diagnosis, or null.
 *
 * Every match of `rules.code` not followed by `rules.notFollowedBy` is a candidate, ranked by
 * evidence: (1) labelled — within `markerWindow` characters after an "ICD-10"-like marker;
 * (2) in parentheses or brackets, the usual way a diagnosis carries its code ("NSCLC (C34.1)");
 * (3) written with a subdivision (C34.1), which abbreviations and dose parameters rarely have;
 * (4) bare three-character code. The best rank wins; within a rank the first in the text, since
 * letters state the main diagnosis before metastases and secondary findings. Finally, if a later
 * candidate refines the chosen one (same category, longer code: C34 → C34.1), the most specific
 * such code is returned, so "Lung cancer (C34) … ICD-10 C34.1" gives C34.1.
 */
export function extractIcd10(
	text: string,
	rules: Icd10Rules = DEFAULT_EXTRACTION_RULES.icd10
): Icd10Match | null {
	const markerEnds: number[] = [];
	for (const marker of [rules.marker, ...(rules.extraMarkers ?? [])])
		for (const m of text.matchAll(withGlobal(marker))) markerEnds.push(m.index + m[0].length);
	const candidates: Icd10Match[] = [];
	for (const m of text.matchAll(withGlobal(rules.code))) {
		const end = m.index + m[0].length;
		if (text.slice(end, end + 16).search(rules.notFollowedBy) !== -1) continue;
		const category = m[1]!;
		const labelled = markerEnds.some((e) => e <= m.index && m.index - e <= rules.markerWindow);
		const evidence: Icd10Match['evidence'] = labelled
			? 'marker'
			: inParentheses(text, m.index, end)
				? 'parentheses'
				: m[2]
					? 'subdivision'
					: 'bare';
		candidates.push({ code: m[0], category, index: m.index, evidence });
	}
	if (candidates.length === 0) return null;
	let best = candidates[0]!;
	for (const c of candidates) {
		if (EVIDENCE_RANK[c.evidence] < EVIDENCE_RANK[best.evidence]) best = c;
	}
	for (const c of candidates) {
		if (
			c.category === best.category &&
			c.code.length > best.code.length &&
			c.code.startsWith(best.code)
		) {
			best = { ...c, evidence: best.evidence };
		}
	}
	return best;
}

function keywordPattern(keyword: string): string {
	const prefix = keyword.endsWith('*');
	const body = (prefix ? keyword.slice(0, -1) : keyword)
		.trim()
		.split(/[\s-]+/u)
		.map((part) => part.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&'))
		.join('[\\s-]+');
	return `(?<![\\p{L}\\p{N}])${body}${prefix ? '[\\p{L}\\p{N}]*' : '(?![\\p{L}\\p{N}])'}`;
}

export interface ModalityEvidence {
	/** Keyword hits per modality (every modality of the rules, 0 when absent). */
	counts: Record<string, number>;
	/** Offset of each modality's first hit (absent when it has none). */
	firstIndex: Record<string, number>;
}

/**
 * Count keyword and pattern hits per modality. Hits of one modality are counted once per place:
 * of overlapping matches (two keywords, or a keyword and a pattern, over the same words) only the
 * earliest, then longest, counts. Empty matches never count.
 */
export function modalityEvidence(
	text: string,
	rules: ModalityRules = DEFAULT_EXTRACTION_RULES.modality
): ModalityEvidence {
	const counts: Record<string, number> = {};
	const firstIndex: Record<string, number> = {};
	const modalities = new Set([
		...Object.keys(rules.keywords),
		...Object.keys(rules.patterns ?? {})
	]);
	for (const modality of modalities) {
		const keywords = rules.keywords[modality] ?? [];
		const res = [...(rules.patterns?.[modality] ?? []).map(withGlobal)];
		if (keywords.length > 0) res.unshift(new RegExp(keywords.map(keywordPattern).join('|'), 'giu'));
		const spans: [number, number][] = [];
		for (const re of res)
			for (const m of text.matchAll(re))
				if (m[0].length > 0) spans.push([m.index, m.index + m[0].length]);
		spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
		let count = 0;
		let end = -1;
		for (const [start, stop] of spans) {
			if (start < end) continue;
			if (count === 0) firstIndex[modality] = start;
			count++;
			end = stop;
		}
		counts[modality] = count;
	}
	return { counts, firstIndex };
}

/**
 * The treatment modality a letter describes, or null when no keyword matches.
 *
 * Default rule (`count`): the modality with the most keyword hits; a letter describing its
 * treatment names it repeatedly, while alternatives are mentioned in passing ("protons were
 * discussed"). Ties go to `priority` — brachytherapy, proton, electron, photon by default: the
 * specific modalities are rarely named unless used, while photon vocabulary (IMRT, stereotactic,
 * linac) also turns up in history and in combined schedules such as external beam plus a
 * brachytherapy boost. No negation handling: "no proton therapy" counts as a proton mention.
 */
export function extractModality(
	text: string,
	rules: ModalityRules = DEFAULT_EXTRACTION_RULES.modality
): string | null {
	const { counts, firstIndex } = modalityEvidence(text, rules);
	const order = [
		...rules.priority.filter((m) => m in counts),
		...Object.keys(counts).filter((m) => !rules.priority.includes(m))
	];
	const hit = order.filter((m) => (counts[m] ?? 0) > 0);
	if (hit.length === 0) return null;
	if (rules.strategy === 'priority') return hit[0]!;
	if (rules.strategy === 'first') {
		return hit.reduce((a, b) => (firstIndex[b]! < firstIndex[a]! ? b : a));
	}
	return hit.reduce((a, b) => (counts[b]! > counts[a]! ? b : a));
}

/** Both labels of a letter with the same rules; null where nothing was found. */
export function extractLabels(
	text: string,
	rules: ExtractionRules = DEFAULT_EXTRACTION_RULES
): { icd10: Icd10Match | null; modality: string | null } {
	return {
		icd10: extractIcd10(text, rules.icd10),
		modality: extractModality(text, rules.modality)
	};
}

/** A regular expression that never matches: a study that drops the built-in ICD-10 marker. */
const NEVER = /(?!)/gu;

function compiled(source: string): RegExp {
	const re = compileExtractionPattern(source);
	// The study file was validated when it was read: a bad pattern here is a bug.
	if (typeof re === 'string') throw new RangeError(`extraction pattern ${re}`);
	return re;
}

/**
 * The rules a study's `analysis.extraction` settings describe: the built-in rules when it has
 * none; otherwise the built-in keywords and ICD-10 marker (unless `defaults: false`) plus the
 * study's synonyms, patterns and markers, every language's together, and its strategy, priority
 * and marker window where given.
 */
export function extractionRulesOf(settings?: ExtractionSettings | null): ExtractionRules {
	const base = DEFAULT_EXTRACTION_RULES;
	if (!settings) return base;
	const m = settings.modality;
	const keywords: Record<string, string[]> = {};
	const patterns: Record<string, RegExp[]> = {};
	for (const [modality, words] of Object.entries(base.modality.keywords)) {
		keywords[modality] = m?.defaults === false ? [] : [...words];
		patterns[modality] = [];
	}
	for (const byModality of Object.values(m?.languages ?? {}))
		for (const [modality, words] of Object.entries(byModality)) {
			if (!words) continue;
			(keywords[modality] ??= []).push(...words.synonyms);
			(patterns[modality] ??= []).push(...words.patterns.map(compiled));
		}
	const i = settings.icd10;
	return {
		icd10: {
			...base.icd10,
			marker: i?.defaults === false ? NEVER : base.icd10.marker,
			extraMarkers: (i?.markers ?? []).map(compiled),
			markerWindow: i?.markerWindow ?? base.icd10.markerWindow
		},
		modality: {
			keywords,
			patterns,
			strategy: m?.strategy ?? base.modality.strategy,
			priority: m?.priority ?? base.modality.priority
		}
	};
}
