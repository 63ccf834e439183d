import { describe, expect, it } from 'vitest';
import { describeChecks } from './checks';
import { loadStudy } from './loader';

describe('describeChecks (the `check` command)', () => {
	it('reports the planted identifier (masked) and both planted leaks of the checks demo', () => {
		const report = describeChecks(loadStudy('studies/checks-demo'));
		expect(report).toMatchObject({ stops: true, leaked: true });
		const text = report.lines.join('\n');
		expect(text).not.toMatch(/Annegret|Bergmann/);
		expect(text).toContain('field source.patient: possible name with a title');
		expect(text).toContain('llama3-8b-qlora-letters: 2 of 4 cases found');
		expect(text).toContain('case "CHK-04" ↔ training example at line 7: by case id');
	});

	it('finds nothing in the demo study', () => {
		const report = describeChecks(loadStudy('studies/demo'));
		expect(report).toMatchObject({ stops: false, leaked: false });
		expect(report.lines).toContain('  no likely patient identifier found.');
	});
});
