import { integer, pgSchema, pgTable, text, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { appTables } from './tables';

describe('appTables', () => {
	it('finds every table of the app schema, each after the tables it references', () => {
		const tables = appTables();
		const order = tables.map((t) => t.name);
		expect(order).toEqual(expect.arrayContaining(['studies', 'cases', 'ratings', 'audit_log']));
		for (const t of tables)
			for (const p of t.parents) expect(order.indexOf(p)).toBeLessThan(order.indexOf(t.name));
	});

	it('orders any module generically: parents first, other schemas quoted, self-references ignored', () => {
		const other = pgSchema('archive');
		const child = pgTable('child', {
			id: uuid().primaryKey(),
			parentId: uuid().references(() => parent.id),
			// A self-reference does not order a table after itself.
			previousId: uuid().references((): AnyPgColumn => child.id)
		});
		const parent = pgTable('parent', {
			id: uuid().primaryKey(),
			rootId: integer().references(() => root.id)
		});
		const root = other.table('root', { id: integer().primaryKey(), name: text() });
		const tables = appTables({ a: child, b: parent, c: root, notATable: 42 });
		expect(tables.map((t) => t.name)).toEqual(['root', 'parent', 'child']);
		expect(tables[0]!.sqlName).toBe('"archive"."root"');
		expect(tables[2]!.parents).toEqual(['parent']);
	});

	it('refuses a cycle of foreign keys, naming the tables', () => {
		const a = pgTable('a', {
			id: uuid().primaryKey(),
			bId: uuid().references((): AnyPgColumn => b.id)
		});
		const b = pgTable('b', { id: uuid().primaryKey(), aId: uuid().references(() => a.id) });
		expect(() => appTables({ a, b })).toThrow(/cycle: a, b/);
	});
});
