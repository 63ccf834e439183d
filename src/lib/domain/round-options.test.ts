import { describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN, describeDesign, parseRoundOptions } from './round-options';

describe('parseRoundOptions', () => {
	it('takes the defaults for missing fields: absolute, fully crossed, no repeats', () => {
		expect(parseRoundOptions({})).toEqual({ options: DEFAULT_DESIGN, issues: [] });
		expect(parseRoundOptions({ kind: '', design: '', repeatShare: '' }).options).toEqual(
			DEFAULT_DESIGN
		);
	});

	it('reads form strings', () => {
		expect(
			parseRoundOptions({
				kind: 'absolute',
				design: 'balanced',
				ratersPerItem: '2',
				repeatShare: '0.1'
			}).options
		).toEqual({ kind: 'absolute', type: 'balanced', ratersPerItem: 2, repeatShare: 0.1 });
		expect(parseRoundOptions({ kind: 'pairwise' }).options?.kind).toBe('pairwise');
	});

	it('lists every problem at once, each with its field', () => {
		const { options, issues } = parseRoundOptions({
			kind: 'ranking',
			design: 'balanced',
			ratersPerItem: '1.5',
			repeatShare: 0.9
		});
		expect(options).toBeNull();
		expect(issues.map((i) => i.field)).toEqual(['kind', 'ratersPerItem', 'repeatShare']);
	});

	it('refuses k below 1, a missing k, and repeats in pairwise rounds', () => {
		expect(parseRoundOptions({ design: 'balanced', ratersPerItem: '0' }).issues[0]?.field).toBe(
			'ratersPerItem'
		);
		expect(parseRoundOptions({ design: 'balanced' }).issues[0]?.field).toBe('ratersPerItem');
		expect(parseRoundOptions({ design: 'latin-square' }).issues[0]?.field).toBe('design');
		expect(parseRoundOptions({ kind: 'pairwise', repeatShare: 0.1 }).issues[0]?.message).toMatch(
			/absolute rounds/
		);
		expect(parseRoundOptions({ repeatShare: -0.1 }).issues[0]?.field).toBe('repeatShare');
	});
});

describe('describeDesign', () => {
	it('says kind, design and repeats in words', () => {
		expect(describeDesign(DEFAULT_DESIGN)).toBe('absolute scores, fully crossed');
		expect(
			describeDesign({ kind: 'pairwise', type: 'balanced', ratersPerItem: 1, repeatShare: 0 })
		).toBe('pairwise comparisons, balanced, 1 rater per comparison');
		expect(
			describeDesign({ kind: 'absolute', type: 'balanced', ratersPerItem: 2, repeatShare: 0.1 })
		).toBe('absolute scores, balanced, 2 raters per item, 10 % repeated');
	});
});
