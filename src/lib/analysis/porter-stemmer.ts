/**
 * Porter's suffix-stripping stemmer, in the three variants of nltk's `PorterStemmer`
 * (nltk/stem/porter.py, checked against nltk 3.8 as shipped by Debian 12).
 *
 * rouge_score builds its stemmer as `porter.PorterStemmer()`, i.e. nltk's default mode
 * `NLTK_EXTENSIONS`, so that is the default here too. `ORIGINAL_ALGORITHM` follows the 1980 paper
 * (Porter, M. "An algorithm for suffix stripping." Program 14.3: 130–137) and is what other
 * ROUGE ports (py-rouge) use; `MARTIN_EXTENSIONS` is Martin Porter's frozen reference version.
 *
 * Defined for lowercase ASCII words (the only input rouge_score's tokenizer produces); any other
 * character counts as a consonant, exactly as in nltk.
 */

export type PorterMode = 'NLTK_EXTENSIONS' | 'MARTIN_EXTENSIONS' | 'ORIGINAL_ALGORITHM';

type Condition = (stem: string) => boolean;
type Rule = readonly [suffix: string, replacement: string, condition: Condition | null];

/** nltk's table of irregular forms, consulted only in NLTK_EXTENSIONS mode. */
const IRREGULAR: ReadonlyMap<string, string> = new Map([
	['sky', 'sky'],
	['skies', 'sky'],
	['dying', 'die'],
	['lying', 'lie'],
	['tying', 'tie'],
	['news', 'news'],
	['innings', 'inning'],
	['inning', 'inning'],
	['outings', 'outing'],
	['outing', 'outing'],
	['cannings', 'canning'],
	['canning', 'canning'],
	['howe', 'howe'],
	['proceed', 'proceed'],
	['exceed', 'exceed'],
	['succeed', 'succeed']
]);

const isVowelLetter = (ch: string | undefined): boolean =>
	ch === 'a' || ch === 'e' || ch === 'i' || ch === 'o' || ch === 'u';

/**
 * Consonant flags per position. Porter: a consonant is a letter other than a, e, i, o, u, and
 * other than y preceded by a consonant; a leading y is a consonant.
 */
function consonantFlags(word: string): boolean[] {
	const flags: boolean[] = [];
	for (let i = 0; i < word.length; i++) {
		const ch = word[i];
		if (isVowelLetter(ch)) flags.push(false);
		else if (ch === 'y') flags.push(i === 0 ? true : !flags[i - 1]);
		else flags.push(true);
	}
	return flags;
}

function isConsonant(word: string, i: number): boolean {
	return consonantFlags(word)[i] ?? false;
}

/** Porter's measure m in [C](VC)^m[V]: the number of vowel→consonant transitions. */
function measure(stem: string): number {
	const flags = consonantFlags(stem);
	let m = 0;
	for (let i = 1; i < flags.length; i++) if (!flags[i - 1] && flags[i]) m++;
	return m;
}

const positiveMeasure: Condition = (stem) => measure(stem) > 0;
const measureAboveOne: Condition = (stem) => measure(stem) > 1;

function containsVowel(stem: string): boolean {
	return consonantFlags(stem).some((c) => !c);
}

/** Condition *d: the word ends with a double consonant. */
function endsDoubleConsonant(word: string): boolean {
	const n = word.length;
	return n >= 2 && word[n - 1] === word[n - 2] && isConsonant(word, n - 1);
}

export class PorterStemmer {
	readonly mode: PorterMode;

	constructor(mode: PorterMode = 'NLTK_EXTENSIONS') {
		this.mode = mode;
	}

	/**
	 * Stem one word (lowercased first, as nltk's `stem(word, to_lowercase=True)`).
	 * Words of one or two characters are returned unchanged except in ORIGINAL_ALGORITHM mode,
	 * which (like the paper) has no such guard.
	 */
	stem(word: string): string {
		const lower = word.toLowerCase();
		const nltk = this.mode === 'NLTK_EXTENSIONS';
		// nltk looks the irregular table up with the word as given, not the lowercased one.
		const irregular = nltk ? IRREGULAR.get(word) : undefined;
		if (irregular !== undefined) return irregular;
		if (this.mode !== 'ORIGINAL_ALGORITHM' && word.length <= 2) return lower;
		let s = this.step1a(lower);
		s = this.step1b(s);
		s = this.step1c(s);
		s = this.step2(s);
		s = this.step3(s);
		s = this.step4(s);
		s = this.step5a(s);
		return this.step5b(s);
	}

	/** Condition *o: stem ends consonant–vowel–consonant, the last not w, x or y. */
	private endsCvc(word: string): boolean {
		const n = word.length;
		if (
			n >= 3 &&
			isConsonant(word, n - 3) &&
			!isConsonant(word, n - 2) &&
			isConsonant(word, n - 1) &&
			!['w', 'x', 'y'].includes(word[n - 1] ?? '')
		) {
			return true;
		}
		// nltk extension: a two-letter vowel–consonant stem also counts, so 'ow(ing)' → 'owe'.
		return (
			this.mode === 'NLTK_EXTENSIONS' && n === 2 && !isConsonant(word, 0) && isConsonant(word, 1)
		);
	}

	/**
	 * The first rule whose suffix matches decides: if its condition fails, later rules are not
	 * tried (Porter's "longest matching suffix" convention as nltk implements it).
	 */
	private applyRules(word: string, rules: readonly Rule[]): string {
		for (const [suffix, replacement, condition] of rules) {
			if (!word.endsWith(suffix)) continue;
			const stem = word.slice(0, word.length - suffix.length);
			return condition === null || condition(stem) ? stem + replacement : word;
		}
		return word;
	}

	private step1a(word: string): string {
		// nltk extension: 'ties' → 'tie' but 'flies' → 'fli'.
		if (this.mode === 'NLTK_EXTENSIONS' && word.length === 4 && word.endsWith('ies')) {
			return word.slice(0, -3) + 'ie';
		}
		return this.applyRules(word, [
			['sses', 'ss', null],
			['ies', 'i', null],
			['ss', 'ss', null],
			['s', '', null]
		]);
	}

	private step1b(word: string): string {
		// nltk extension: 'died' → 'die', 'spied' → 'spi'.
		if (this.mode === 'NLTK_EXTENSIONS' && word.endsWith('ied')) {
			return word.slice(0, -3) + (word.length === 4 ? 'ie' : 'i');
		}
		if (word.endsWith('eed')) {
			const stem = word.slice(0, -3);
			return measure(stem) > 0 ? stem + 'ee' : word;
		}
		let stem: string | null = null;
		for (const suffix of ['ed', 'ing']) {
			if (word.endsWith(suffix)) {
				const candidate = word.slice(0, word.length - suffix.length);
				if (containsVowel(candidate)) {
					stem = candidate;
					break;
				}
			}
		}
		if (stem === null) return word;
		if (stem.endsWith('at') || stem.endsWith('bl') || stem.endsWith('iz')) return stem + 'e';
		if (endsDoubleConsonant(stem)) {
			const last = stem[stem.length - 1] ?? '';
			return ['l', 's', 'z'].includes(last) ? stem : stem.slice(0, -1);
		}
		return measure(stem) === 1 && this.endsCvc(stem) ? stem + 'e' : stem;
	}

	private step1c(word: string): string {
		const condition: Condition =
			this.mode === 'NLTK_EXTENSIONS'
				? // nltk: y → i only after a consonant that is not the whole stem ('happy', not 'by').
					(stem) => stem.length > 1 && isConsonant(stem, stem.length - 1)
				: containsVowel;
		return this.applyRules(word, [['y', 'i', condition]]);
	}

	private step2(word: string): string {
		const nltk = this.mode === 'NLTK_EXTENSIONS';
		// nltk applies ALLI → AL first and then step 2 again, instead of after (A)BLI.
		if (nltk && word.endsWith('alli') && positiveMeasure(word.slice(0, -4))) {
			return this.step2(word.slice(0, -4) + 'al');
		}
		const rules: Rule[] = [
			['ational', 'ate', positiveMeasure],
			['tional', 'tion', positiveMeasure],
			['enci', 'ence', positiveMeasure],
			['anci', 'ance', positiveMeasure],
			['izer', 'ize', positiveMeasure],
			this.mode === 'ORIGINAL_ALGORITHM'
				? ['abli', 'able', positiveMeasure]
				: ['bli', 'ble', positiveMeasure],
			['alli', 'al', positiveMeasure],
			['entli', 'ent', positiveMeasure],
			['eli', 'e', positiveMeasure],
			['ousli', 'ous', positiveMeasure],
			['ization', 'ize', positiveMeasure],
			['ation', 'ate', positiveMeasure],
			['ator', 'ate', positiveMeasure],
			['alism', 'al', positiveMeasure],
			['iveness', 'ive', positiveMeasure],
			['fulness', 'ful', positiveMeasure],
			['ousness', 'ous', positiveMeasure],
			['aliti', 'al', positiveMeasure],
			['iviti', 'ive', positiveMeasure],
			['biliti', 'ble', positiveMeasure]
		];
		if (nltk) {
			rules.push(['fulli', 'ful', positiveMeasure]);
			// The measure is taken with the 'l' kept on the stem, so 'geology' works like 'philology'.
			rules.push(['logi', 'log', () => positiveMeasure(word.slice(0, -3))]);
		} else if (this.mode === 'MARTIN_EXTENSIONS') {
			rules.push(['logi', 'log', positiveMeasure]);
		}
		return this.applyRules(word, rules);
	}

	private step3(word: string): string {
		return this.applyRules(word, [
			['icate', 'ic', positiveMeasure],
			['ative', '', positiveMeasure],
			['alize', 'al', positiveMeasure],
			['iciti', 'ic', positiveMeasure],
			['ical', 'ic', positiveMeasure],
			['ful', '', positiveMeasure],
			['ness', '', positiveMeasure]
		]);
	}

	private step4(word: string): string {
		return this.applyRules(word, [
			['al', '', measureAboveOne],
			['ance', '', measureAboveOne],
			['ence', '', measureAboveOne],
			['er', '', measureAboveOne],
			['ic', '', measureAboveOne],
			['able', '', measureAboveOne],
			['ible', '', measureAboveOne],
			['ant', '', measureAboveOne],
			['ement', '', measureAboveOne],
			['ment', '', measureAboveOne],
			['ent', '', measureAboveOne],
			['ion', '', (stem) => measure(stem) > 1 && (stem.endsWith('s') || stem.endsWith('t'))],
			['ou', '', measureAboveOne],
			['ism', '', measureAboveOne],
			['ate', '', measureAboveOne],
			['iti', '', measureAboveOne],
			['ous', '', measureAboveOne],
			['ive', '', measureAboveOne],
			['ize', '', measureAboveOne]
		]);
	}

	private step5a(word: string): string {
		// Both E rules are tried (unlike applyRules): (m>1) E → , then (m=1 and not *o) E → .
		if (!word.endsWith('e')) return word;
		const stem = word.slice(0, -1);
		const m = measure(stem);
		return m > 1 || (m === 1 && !this.endsCvc(stem)) ? stem : word;
	}

	private step5b(word: string): string {
		return word.endsWith('ll') && measure(word.slice(0, -1)) > 1 ? word.slice(0, -1) : word;
	}
}

const stemmers = new Map<PorterMode, PorterStemmer>();

/**
 * Porter stem of `word` in the given nltk mode (default `NLTK_EXTENSIONS`, the mode rouge_score's
 * `PorterStemmer()` uses). Reference: Porter (1980); nltk.stem.porter.PorterStemmer.
 */
export function porterStem(word: string, mode: PorterMode = 'NLTK_EXTENSIONS'): string {
	let stemmer = stemmers.get(mode);
	if (!stemmer) {
		stemmer = new PorterStemmer(mode);
		stemmers.set(mode, stemmer);
	}
	return stemmer.stem(word);
}
