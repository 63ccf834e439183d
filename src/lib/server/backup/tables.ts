/**
 * The tables a backup holds: every table of the drizzle schema module, found by what it is
 * (PgTable) rather than by a list, so a table added to schema.ts is backed up without a change
 * here, in foreign-key order (parents first), so restore can stream the file in order.
 */
import { is } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import * as schema from '../db/schema';

export interface AppTable {
	name: string;
	/** PostgreSQL schema (public unless the drizzle table says otherwise). */
	schema: string;
	/** Quoted, schema-qualified name for SQL. */
	sqlName: string;
	/** Tables this one references (itself excluded). */
	parents: string[];
	/** A foreign key of the table points to the table itself (items.repeat_of_item_id). */
	selfReferencing: boolean;
}

export function quoteIdent(name: string): string {
	return `"${name.replace(/"/g, '""')}"`;
}

export function sqlString(s: string): string {
	return `'${s.replace(/'/g, "''")}'`;
}

/**
 * Every table of the drizzle schema module, parents before children. Tables are found by what
 * they are (PgTable), not by a list, so tables added to schema.ts are included as they come.
 */
export function appTables(module: Record<string, unknown> = schema): AppTable[] {
	const found: AppTable[] = [];
	for (const value of Object.values(module)) {
		if (!is(value, PgTable)) continue;
		const config = getTableConfig(value);
		const tableSchema = config.schema ?? 'public';
		const parents = new Set<string>();
		let selfReferencing = false;
		for (const fk of config.foreignKeys) {
			const parent = getTableConfig(fk.reference().foreignTable);
			const key = `${parent.schema ?? 'public'}.${parent.name}`;
			if (key !== `${tableSchema}.${config.name}`) parents.add(key);
			else selfReferencing = true;
		}
		found.push({
			name: config.name,
			schema: tableSchema,
			sqlName: `${quoteIdent(tableSchema)}.${quoteIdent(config.name)}`,
			parents: [...parents],
			selfReferencing
		});
	}
	const key = (t: AppTable) => `${t.schema}.${t.name}`;
	const byKey = new Map(found.map((t) => [key(t), t]));
	// Kahn's algorithm, stable: among tables that are ready, the first in export-name order (the
	// order of a module namespace), so the order only changes when the tables do.
	const ordered: AppTable[] = [];
	const placed = new Set<string>();
	while (ordered.length < found.length) {
		const next = found.find(
			(t) => !placed.has(key(t)) && t.parents.every((p) => placed.has(p) || !byKey.has(p))
		);
		if (!next) {
			const left = found.filter((t) => !placed.has(key(t))).map((t) => t.name);
			throw new Error(`The foreign keys of these tables form a cycle: ${left.join(', ')}`);
		}
		placed.add(key(next));
		ordered.push(next);
	}
	return ordered.map((t) => ({
		...t,
		parents: t.parents.map((p) => byKey.get(p)?.name ?? p)
	}));
}
