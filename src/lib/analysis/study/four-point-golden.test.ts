/**
 * A study on the default 4 points is analysed and reported exactly as before scales: its
 * analysis.json and report.md are byte-identical to what the code before scales wrote for the
 * same ratings (tests/fixtures/golden/four-point-analysis.ts says how they were made).
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { outputs } from '../../../../tests/fixtures/golden/four-point-analysis';
import { renderMarkdownReport } from '../report';
import { analyzeStudy } from './index';

const golden = (name: string) =>
	readFileSync(new URL(`../../../../tests/fixtures/golden/${name}`, import.meta.url), 'utf8');

it('writes the 4-point analysis and report of the code before scales, byte for byte', () => {
	const { json, report } = outputs(analyzeStudy, renderMarkdownReport);
	expect(json).toBe(golden('four-point-analysis.json'));
	expect(report).toBe(golden('four-point-report.md'));
});
