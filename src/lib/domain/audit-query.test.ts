import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors';
import { auditDiff, parseAuditQuery, redactSecrets, showValue, withCursor } from './audit-query';

describe('parseAuditQuery', () => {
	it('reads every filter field, drops empty ones, and takes whole UTC days for dates', () => {
		const params = new URLSearchParams(
			'study=demo&entity=round&entityId=&action=round.&actorType=user&actor=Ann&from=2026-03-01&to=2026-03-02&q=lock&before=17'
		);
		expect(parseAuditQuery(params)).toEqual({
			filter: {
				study: 'demo',
				entity: 'round',
				action: 'round.',
				actorType: 'user',
				actor: 'Ann',
				from: new Date('2026-03-01T00:00:00Z'),
				to: new Date('2026-03-03T00:00:00Z'),
				q: 'lock'
			},
			cursor: { before: 17 },
			limit: undefined
		});
		expect(parseAuditQuery(new URLSearchParams('limit=5')).limit).toBe(5);
	});

	it('accepts full ISO times as they are, and a cursor upwards', () => {
		const { filter, cursor } = parseAuditQuery(
			new URLSearchParams('to=2026-03-02T10:00:00Z&after=5')
		);
		expect(filter).toEqual({ to: new Date('2026-03-02T10:00:00Z') });
		expect(cursor).toEqual({ after: 5 });
		expect(parseAuditQuery(new URLSearchParams())).toEqual({
			filter: {},
			cursor: null,
			limit: undefined
		});
	});

	it('refuses a bad date, actor type or cursor, naming the field', () => {
		for (const [query, field] of [
			['from=yesterday', 'from'],
			['actorType=robot', 'actorType'],
			['before=-3', 'before'],
			['limit=1000', 'limit']
		]) {
			try {
				parseAuditQuery(new URLSearchParams(query));
				expect.unreachable(query);
			} catch (e) {
				expect(e).toBeInstanceOf(ValidationError);
				expect((e as ValidationError).issues.map((i) => i.field)).toEqual([field]);
			}
		}
	});
});

describe('withCursor', () => {
	it('keeps the filter as typed, replaces the cursor and drops empty fields', () => {
		const params = new URLSearchParams('study=demo&to=2026-03-02&q=&before=9');
		expect(withCursor(params, { after: 4 })).toBe('?study=demo&to=2026-03-02&after=4');
		expect(withCursor(params, null)).toBe('?study=demo&to=2026-03-02');
		expect(withCursor(new URLSearchParams('before=3'), null)).toBe('');
	});
});

describe('auditDiff', () => {
	it('lists the fields that changed, in order, with missing sides undefined', () => {
		expect(auditDiff({ dimension: 'tone', score: 2 }, { dimension: 'tone', score: 3 })).toEqual([
			{ key: 'score', before: 2, after: 3 }
		]);
		expect(auditDiff(null, { status: 'open', n: 1 })).toEqual([
			{ key: 'status', before: undefined, after: 'open' },
			{ key: 'n', before: undefined, after: 1 }
		]);
		expect(auditDiff({ body: 'x' }, null)).toEqual([
			{ key: 'body', before: 'x', after: undefined }
		]);
		expect(auditDiff({ a: [1, 2] }, { a: [1, 2] })).toEqual([]);
		expect(auditDiff(null, null)).toEqual([]);
	});

	it('compares values that are not objects whole', () => {
		expect(auditDiff(1, [2])).toEqual([{ key: '', before: 1, after: [2] }]);
	});
});

describe('showValue and redactSecrets', () => {
	it('shows strings as they are and anything else as JSON', () => {
		expect([showValue('a "b"'), showValue(3), showValue(undefined), showValue({ a: 1 })]).toEqual([
			'a "b"',
			'3',
			'–',
			'{"a":1}'
		]);
	});

	it('drops token fields at any depth', () => {
		expect(
			redactSecrets({
				name: 'A',
				token: 't',
				nested: [{ tokenHash: 'h', keep: 1 }],
				linkToken: 'x'
			})
		).toEqual({ name: 'A', nested: [{ keep: 1 }] });
		expect(redactSecrets(null)).toBeNull();
	});
});
