/**
 * Normalization on import, on both databases: imported outputs reach raters without their chat
 * template, and a study's own patterns (study.yaml `normalize.patterns`) are validated, applied,
 * recorded with each output, re-applied when they change, and refused once raters see a letter
 * they would change. The analysis reads the text raters saw.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, ValidationError } from '../../src/lib/errors';
import { CLI } from '../../src/lib/server/auth/actors';
import type { Database } from '../../src/lib/server/db';
import { outputs } from '../../src/lib/server/db/schema';
import * as rating from '../../src/lib/server/rating';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { TEST_DATABASES } from '../support/databases';

const study = (normalize: string) => `name: Normalization study
seed: 1
cases: cases.jsonl
checkpoints:
  - name: base
    outputs: outputs.jsonl
form:
  dimensions:
    - key: overall
      label: Overall
      anchors: [bad, poor, good, excellent]
${normalize}`;
const CASES = '{"id":"P1","source":{"dx":"C61"}}\n{"id":"P2","source":{"dx":"C50"}}\n';
const OUTPUTS = [
	{
		case_id: 'P1',
		text: '<|im_start|>user\nWrite the letter.<|im_end|>\n<|im_start|>assistant\n<think>\nplan\n</think>\nDear Dr. A,\nfine.\n-- LetterBot v2<|im_end|>'
	},
	{ case_id: 'P2', text: '[INST] Write the letter. [/INST] Dear Dr. B,\nfine.</s>' }
]
	.map((o) => JSON.stringify(o))
	.join('\n');

describe.each(TEST_DATABASES)('normalization on import on $name', ({ create }) => {
	let database: Database;
	let dir: string;

	function write(normalize: string) {
		fs.writeFileSync(path.join(dir, 'study.yaml'), study(normalize));
	}
	async function texts() {
		const rows = await database.db.select().from(outputs);
		return rows
			.map((o) => ({ text: o.text, rules: o.normalization }))
			.sort((a, b) => String(a.text).localeCompare(String(b.text)));
	}

	beforeAll(async () => {
		database = await create();
		dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'blindeval-normalize-')), 'norm');
		fs.mkdirSync(dir);
		fs.writeFileSync(path.join(dir, 'cases.jsonl'), CASES);
		fs.writeFileSync(path.join(dir, 'outputs.jsonl'), OUTPUTS);
	});
	afterAll(async () => {
		await database?.close();
		if (dir) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
	});

	it('refuses bad patterns, naming the field', () => {
		write(`normalize:\n  patterns:\n    - "(unclosed"\n    - "${'x'.repeat(201)}"\n`);
		let error: unknown;
		try {
			loadStudy(dir);
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(ValidationError);
		const issues = (error as ValidationError).issues;
		expect(issues.map((i) => i.field)).toEqual(['normalize.patterns.0', 'normalize.patterns.1']);
		expect(issues[0]!.message).toMatch(/not a valid regular expression/);
		expect(issues[0]!.line).toBe(14);
		expect(issues[1]!.message).toBe('is longer than 200 characters');
	});

	it('removes each template, and the study pattern, recording the rules', async () => {
		write('normalize:\n  patterns:\n    - "^-- LetterBot.*$"\n');
		await importStudy(database.db, CLI, loadStudy(dir));
		expect(await texts()).toEqual([
			{
				text: 'Dear Dr. A,\nfine.',
				rules: [
					'reasoning',
					'echoed-prompt',
					'special-tokens',
					'study-pattern-1',
					'trailing-whitespace'
				]
			},
			{
				text: 'Dear Dr. B,\nfine.',
				rules: ['echoed-prompt', 'special-tokens', 'trailing-whitespace']
			}
		]);
	});

	it('normalizes again when the patterns change, until raters see the letters', async () => {
		write('');
		const summary = await importStudy(database.db, CLI, loadStudy(dir));
		expect(summary.outputs.updated).toBe(1);
		expect((await texts())[0]!.text).toBe('Dear Dr. A,\nfine.\n-- LetterBot v2');

		write('normalize:\n  patterns:\n    - "^-- LetterBot.*$"\n');
		const { studyId } = await importStudy(database.db, CLI, loadStudy(dir));
		const round = await rounds.create(database.db, CLI, {
			studyId,
			name: 'R',
			checkpointNames: ['base'],
			seed: 'r'
		});
		await rounds.transition(database.db, CLI, round.id, 'open');
		// What a rater is shown is the normalized text.
		const { token } = await rounds.addRater(database.db, CLI, round.id, { name: 'A' });
		const rater = (await rating.raterFromToken(database.db, token))!;
		const mine = (await rating.currentRound(database.db, rater))!;
		const shown = await Promise.all(
			mine.slots.map(async (s) => {
				const item = await rating.item(database.db, rater, s.code);
				return item.kind === 'absolute' ? item.letter : null;
			})
		);
		expect(shown.sort()).toEqual(['Dear Dr. A,\nfine.', 'Dear Dr. B,\nfine.']);

		write('');
		await expect(importStudy(database.db, CLI, loadStudy(dir))).rejects.toThrow(ConflictError);
		expect((await texts())[0]!.text).toBe('Dear Dr. A,\nfine.');
	});
});
