import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { parseCasesText } from '$lib/domain/case-upload';
import { MAX_JSON_DEPTH } from '$lib/domain/json-line';
import { ValidationError } from '$lib/errors';
import SourcePanel from './SourcePanel.svelte';

/** A source nested `levels` containers deep in all (the case row's own object included). */
function nested(levels: number): Record<string, unknown> {
	let value: unknown = 'innermost';
	for (let i = 0; i < levels - 2; i++) value = i % 2 ? [value] : { level: value };
	return { plan: value };
}

describe('SourcePanel rendered on the server', () => {
	it('renders the deepest source an import accepts, down to its innermost value', () => {
		const source = nested(MAX_JSON_DEPTH);
		const line = (s: unknown) => JSON.stringify({ id: 'A', source: s });
		expect(parseCasesText(line(source), 'c.jsonl')[0]!.value.source).toEqual(source);
		expect(() => parseCasesText(line(nested(MAX_JSON_DEPTH + 1)), 'c.jsonl')).toThrow(
			ValidationError
		);
		const { body } = render(SourcePanel, { props: { source } });
		expect(body).toContain('innermost');
		expect(body.match(/<dl/g)!.length + body.match(/<ul/g)!.length).toBe(MAX_JSON_DEPTH - 1);
	});

	it('shows a value stored deeper than that as JSON text instead of recursing on', () => {
		const { body } = render(SourcePanel, { props: { source: nested(1500) } });
		expect(body).toContain('innermost');
		expect(body.match(/<dl/g)!.length + body.match(/<ul/g)!.length).toBe(MAX_JSON_DEPTH);
	});
});
