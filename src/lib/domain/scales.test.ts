import { describe, expect, it } from 'vitest';
import {
	anchorsProblem,
	categories,
	HIGHEST_SCORE,
	isScoreOn,
	labels,
	LOWEST_SCORE,
	MAX_POINTS,
	MIN_POINTS,
	NAMED_SCALES,
	namedAnchors,
	parseScaleSpec,
	rescale,
	SCALE_CHOICES,
	SCALE_NAMES,
	scaleOf,
	scoreProblem,
	scoreRange,
	scoresText
} from './scales';

describe('scaleOf', () => {
	it('is the 4-point scale 1–4 without a spec', () => {
		expect(scaleOf(undefined)).toEqual({ kind: 'points', scores: [1, 2, 3, 4] });
	});

	it.each([2, 3, 4, 5, 6, 7])('gives %i anchored points scored 1 … points', (points) => {
		const scale = scaleOf(points);
		expect(scale.kind).toBe('points');
		expect(categories(scale)).toBe(points);
		expect(scoreRange(scale)).toEqual({ min: 1, max: points });
		expect(scale.scores).toEqual([...Array(points).keys()].map((i) => i + 1));
	});

	it('codes yes/no as 0 (no) and 1 (yes)', () => {
		const scale = scaleOf('yes-no');
		expect(scale).toEqual({ kind: 'yes-no', scores: [0, 1] });
		expect(categories(scale)).toBe(2);
		expect(scoreRange(scale)).toEqual({ min: 0, max: 1 });
	});

	it('scores the harm scales 1 … 3, lowest category first', () => {
		expect(scaleOf('harm-extent')).toEqual({ kind: 'harm-extent', scores: [1, 2, 3] });
		expect(scaleOf('harm-likelihood')).toEqual({ kind: 'harm-likelihood', scores: [1, 2, 3] });
	});

	it('throws on a spec the form would refuse', () => {
		expect(() => scaleOf(8)).toThrow(RangeError);
		expect(() => scaleOf('harm' as never)).toThrow(/unknown scale "harm"/);
	});

	it('keeps every score inside the range the database allows', () => {
		const specs = [...Array(MAX_POINTS - MIN_POINTS + 1).keys()].map((i) => i + MIN_POINTS);
		for (const spec of [...specs, ...SCALE_NAMES]) {
			const { min, max } = scoreRange(scaleOf(spec));
			expect(min).toBeGreaterThanOrEqual(LOWEST_SCORE);
			expect(max).toBeLessThanOrEqual(HIGHEST_SCORE);
		}
	});
});

describe('parseScaleSpec', () => {
	it('accepts 2 to 7 points and the named scales', () => {
		for (const spec of [2, 7, 'yes-no', 'harm-extent', 'harm-likelihood'])
			expect(parseScaleSpec(spec)).toEqual({ ok: true, spec });
	});

	it.each([
		[
			8,
			'must be a number of points from 2 to 7, or one of "yes-no", "harm-extent", "harm-likelihood" (got 8)'
		],
		[
			1,
			'must be a number of points from 2 to 7, or one of "yes-no", "harm-extent", "harm-likelihood" (got 1)'
		],
		[
			4.5,
			'must be a number of points from 2 to 7, or one of "yes-no", "harm-extent", "harm-likelihood" (got 4.5)'
		],
		[
			'harm',
			'unknown scale "harm": use a number of points from 2 to 7, or one of "yes-no", "harm-extent", "harm-likelihood"'
		],
		[
			'5',
			'unknown scale "5": use a number of points from 2 to 7, or one of "yes-no", "harm-extent", "harm-likelihood"'
		],
		[
			null,
			'must be a number of points from 2 to 7, or one of "yes-no", "harm-extent", "harm-likelihood"'
		],
		[
			{ points: 5 },
			'must be a number of points from 2 to 7, or one of "yes-no", "harm-extent", "harm-likelihood"'
		]
	])('refuses %j', (raw, message) => {
		expect(parseScaleSpec(raw)).toEqual({ ok: false, message });
	});

	it('does not take inherited names for scales', () => {
		expect(parseScaleSpec('toString').ok).toBe(false);
		expect(parseScaleSpec('__proto__').ok).toBe(false);
	});
});

describe('isScoreOn and scoreProblem', () => {
	it('allows exactly the integers of the range', () => {
		const five = scaleOf(5);
		expect([0, 1, 3, 5, 6, 2.5, '3', null, Number.NaN].map((v) => isScoreOn(five, v))).toEqual([
			false,
			true,
			true,
			true,
			false,
			false,
			false,
			false,
			false
		]);
		expect(isScoreOn(scaleOf('yes-no'), 0)).toBe(true);
		expect(isScoreOn(scaleOf('yes-no'), 2)).toBe(false);
	});

	it('says which scores are valid', () => {
		expect(scoreProblem(scaleOf(5), 3)).toBeNull();
		expect(scoreProblem(scaleOf(5), 6)).toBe('must be 1, 2, 3, 4 or 5');
		expect(scoreProblem(scaleOf(undefined), 0)).toBe('must be 1, 2, 3 or 4');
		expect(scoreProblem(scaleOf('yes-no'), 2)).toBe('must be 0 (No) or 1 (Yes)');
		expect(scoresText(scaleOf('harm-extent'))).toBe(
			'1 (None), 2 (Mild or moderate) or 3 (Severe or death)'
		);
	});
});

describe('labels', () => {
	it('shows the form anchors of anchored points in every locale', () => {
		const anchors = ['a', 'b', 'c', 'd', 'e'];
		expect(labels(scaleOf(5), anchors, 'de')).toEqual(anchors);
	});

	it('ships English and German anchors for every named scale, one per category', () => {
		for (const name of SCALE_NAMES) {
			const k = categories(scaleOf(name));
			expect(NAMED_SCALES[name].anchors.en).toHaveLength(k);
			expect(NAMED_SCALES[name].anchors.de).toHaveLength(k);
		}
		expect(namedAnchors('harm-extent')).toEqual(['None', 'Mild or moderate', 'Severe or death']);
		expect(namedAnchors('harm-likelihood')).toEqual(['Low', 'Medium', 'High']);
		expect(namedAnchors('harm-likelihood', 'de')).toEqual(['Gering', 'Mittel', 'Hoch']);
	});

	it('localises a named scale with the default anchors, keeps a form’s own wording', () => {
		const extent = scaleOf('harm-extent');
		expect(labels(extent, namedAnchors('harm-extent'), 'de')).toEqual([
			'Keiner',
			'Leicht oder mittelschwer',
			'Schwer oder Tod'
		]);
		expect(labels(extent, [], 'en')).toEqual(namedAnchors('harm-extent'));
		expect(labels(scaleOf('yes-no'), ['Absent', 'Present'], 'de')).toEqual(['Absent', 'Present']);
	});
});

describe('anchorsProblem', () => {
	it('accepts one anchor per point', () => {
		expect(anchorsProblem(undefined, ['a', 'b', 'c', 'd'])).toBeNull();
		expect(anchorsProblem(5, ['a', 'b', 'c', 'd', 'e'])).toBeNull();
		expect(anchorsProblem(2, ['a', 'b'])).toBeNull();
	});

	it('refuses 5 anchors on a 4-point scale, explicit or default', () => {
		expect(anchorsProblem(4, ['a', 'b', 'c', 'd', 'e'])).toBe(
			'needs exactly 4 anchors (1 to 4) for "scale: 4" (got 5)'
		);
		expect(anchorsProblem(undefined, ['a', 'b', 'c', 'd', 'e'])).toBe(
			'needs exactly 4 anchors (1 to 4); for a 5-point scale write "scale: 5"'
		);
		expect(anchorsProblem(undefined, Array(9).fill('a'))).toBe('needs exactly 4 anchors (1 to 4)');
		expect(anchorsProblem(6, undefined)).toBe(
			'needs exactly 6 anchors (1 to 6) for "scale: 6" (got 0)'
		);
		expect(anchorsProblem(undefined, undefined)).toBe('needs exactly 4 anchors (1 to 4)');
	});

	it('lets a named scale bring its anchors or take exactly one per category', () => {
		expect(anchorsProblem('yes-no', undefined)).toBeNull();
		expect(anchorsProblem('yes-no', ['Absent', 'Present'])).toBeNull();
		expect(anchorsProblem('harm-likelihood', ['a', 'b', 'c', 'd'])).toBe(
			'"harm-likelihood" has 3 categories (Low; Medium; High): give 3 anchors or leave "anchors" out (got 4)'
		);
	});
});

describe('rescale (the form editor’s scale choice)', () => {
	it('keeps the anchors written so far, one per point, and drops scale: for 4 points', () => {
		expect(rescale(5, ['a', 'b', 'c', 'd'])).toEqual({
			scale: 5,
			anchors: ['a', 'b', 'c', 'd', '']
		});
		expect(rescale(2, ['a', 'b', 'c', 'd'])).toEqual({ scale: 2, anchors: ['a', 'b'] });
		expect(rescale(4, ['a', 'b'])).toEqual({ scale: undefined, anchors: ['a', 'b', '', ''] });
	});
	it('gives a named scale its shipped anchors', () => {
		expect(rescale('yes-no', ['a', 'b', 'c', 'd'])).toEqual({
			scale: 'yes-no',
			anchors: ['No', 'Yes']
		});
		expect(rescale('harm-likelihood', [])).toEqual({
			scale: 'harm-likelihood',
			anchors: ['Low', 'Medium', 'High']
		});
	});
	it('offers every scale once, each one the form accepts', () => {
		const specs = SCALE_CHOICES.map((c) => c.spec);
		expect(new Set(specs).size).toBe(specs.length);
		expect(specs).toEqual(expect.arrayContaining([2, 3, 4, 5, 6, 7, ...SCALE_NAMES]));
		for (const spec of specs) expect(parseScaleSpec(spec)).toEqual({ ok: true, spec });
	});
});
