import { describe, expect, it } from 'vitest';
import { isMarkId, type Mark } from '../domain/marks';
import { newMarkId, withPending } from './mark-saver.svelte';

const mark = (id: string, note = ''): Mark => ({
	id,
	kind: 'omission',
	start: null,
	end: null,
	quote: null,
	field: 'tnm',
	category: 'other',
	note,
	harmExtent: null,
	harmLikelihood: null
});

describe('mark ids and unsent changes', () => {
	it('makes random version-4 UUIDs the server takes', () => {
		const ids = new Set(Array.from({ length: 100 }, newMarkId));
		expect(ids.size).toBe(100);
		for (const id of ids) {
			expect(isMarkId(id)).toBe(true);
			expect(id[14]).toBe('4');
		}
	});

	it('applies unsent saves and deletions over what the server sent', () => {
		const server = [mark('a'), mark('b')];
		expect(
			withPending(server, [
				{ op: 'save', code: 'X', mark: mark('a', 'changed') },
				{ op: 'delete', code: 'X', id: 'b' },
				{ op: 'save', code: 'X', mark: mark('c') }
			]).map((m) => [m.id, m.note])
		).toEqual([
			['a', 'changed'],
			['c', '']
		]);
	});
});
