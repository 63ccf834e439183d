import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors';
import { migrationTags } from './migrations';

describe('migrationTags', () => {
	let dir: string;
	let journal: string;
	beforeEach(() => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-migrations-'));
		fs.cpSync(path.resolve('drizzle'), dir, { recursive: true });
		journal = path.join(dir, 'meta', '_journal.json');
	});
	afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

	const refusal = (): ValidationError => {
		try {
			migrationTags(dir);
		} catch (e) {
			if (e instanceof ValidationError) return e;
			throw e;
		}
		throw new Error('migrationTags did not refuse the folder');
	};

	it('names every migration of the folder by its tag', () => {
		const tags = [...migrationTags(dir).values()];
		const entries = (JSON.parse(fs.readFileSync(journal, 'utf8')) as { entries: { tag: string }[] })
			.entries;
		expect(tags).toEqual(entries.map((e) => e.tag));
		expect(tags[0]).toBe('0000_init');
	});

	it('refuses a missing journal, naming the file', () => {
		fs.rmSync(journal);
		const e = refusal();
		expect(e.issues).toEqual([{ file: journal, message: 'no such file' }]);
		expect(e.message).toContain(journal);
	});

	it('refuses a journal that is not JSON, naming the file', () => {
		fs.writeFileSync(journal, '{"entries": [');
		expect(refusal().issues).toEqual([{ file: journal, message: 'is not valid JSON' }]);
	});

	it('refuses a journal without tagged entries, naming the file', () => {
		fs.writeFileSync(journal, JSON.stringify({ entries: [{ idx: 0 }] }));
		expect(refusal().issues).toEqual([
			{ file: journal, message: 'has no list of entries with a tag each' }
		]);
	});

	it('refuses a journal listing a migration file that is missing, naming both', () => {
		fs.rmSync(path.join(dir, '0001_generation_jobs.sql'));
		const [issue] = refusal().issues;
		expect(issue!.file).toBe(journal);
		expect(issue!.message).toMatch(/lists a migration that cannot be read: .*0001_generation_jobs/);
	});
});
