/**
 * Round designs from the database up: balanced k-per-item rounds, repeated items and pairwise
 * rounds, built when a round opens over its raters, then rated, exported and analysed. On
 * embedded PGlite and on PostgreSQL 15.
 */
import { and, asc, eq, isNotNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { CHOICES } from '../../src/lib/domain/round-options';
import { ConflictError, ValidationError } from '../../src/lib/errors';
import { pairwiseAnalysis, roundAnalysis, roundReport } from '../../src/lib/server/round-analysis';
import { CLI, type RaterActor } from '../../src/lib/server/auth/actors';
import type { Database } from '../../src/lib/server/db';
import * as schema from '../../src/lib/server/db/schema';
import * as exportsService from '../../src/lib/server/exports';
import * as rating from '../../src/lib/server/rating';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { TEST_DATABASES } from '../support/databases';
import { optOutForTest } from '../support/preregister';

const CHECKPOINTS = ['llama3-8b-instruct', 'llama3-8b-qlora-letters'];

async function raters(db: Database['db'], roundId: string, names: string[]) {
	const out: RaterActor[] = [];
	for (const name of names) {
		const { token } = await rounds.addRater(db, CLI, roundId, { name });
		out.push((await rating.raterFromToken(db, token))!);
	}
	return out;
}

async function csvRows(db: Database['db'], roundId: string): Promise<Record<string, string>[]> {
	return parse(await exportsService.longCsv(db, CLI, roundId), { columns: true });
}

describe.each(TEST_DATABASES)('round designs on $name', ({ create }) => {
	let database: Database;
	let studyId: string;

	beforeAll(async () => {
		database = await create();
		({ studyId } = await importStudy(database.db, CLI, loadStudy('studies/demo')));
	});
	afterAll(async () => {
		await database?.close();
	});

	it('builds a balanced design with k raters per item when the round opens', async () => {
		const { db } = database;
		const round = await rounds.create(db, CLI, {
			studyId,
			name: 'Balanced',
			checkpointNames: CHECKPOINTS,
			seed: 'balanced',
			design: { kind: 'absolute', type: 'balanced', ratersPerItem: 2, repeatShare: 0 }
		});
		const team = await raters(db, round.id, ['Dr A', 'Dr B', 'Dr C']);
		// Nothing is assigned before opening: the design needs every rater at once.
		expect(await db.select().from(schema.assignments)).toHaveLength(0);
		const opened = await rounds.transition(db, CLI, round.id, 'open');
		expect(rounds.designOf(opened).report).toMatchObject({ adjacentSameCase: 0 });

		const rows = await db
			.select({ itemId: schema.assignments.itemId, raterId: schema.assignments.raterId })
			.from(schema.assignments)
			.where(eq(schema.assignments.roundId, round.id));
		const items = await db.select().from(schema.items).where(eq(schema.items.roundId, round.id));
		expect(items).toHaveLength(28);
		const perItem = new Map<string, number>();
		for (const r of rows) perItem.set(r.itemId, (perItem.get(r.itemId) ?? 0) + 1);
		expect([...perItem.values()].every((n) => n === 2)).toBe(true);
		expect(perItem.size).toBe(28);
		const loads = team.map((t) => rows.filter((r) => r.raterId === t.id).length);
		expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
		expect(loads.reduce((a, b) => a + b)).toBe(56);

		// Two raters, two different orders; and neither can open the other's items.
		const [a, b] = [team[0]!, team[1]!];
		const slotsA = (await rating.currentRound(db, a))!.slots.map((s) => s.code);
		const slotsB = (await rating.currentRound(db, b))!.slots.map((s) => s.code);
		expect(slotsA).not.toEqual(slotsB);
		const onlyB = slotsB.find((c) => !slotsA.includes(c))!;
		await expect(rating.item(db, a, onlyB)).rejects.toThrow('Item not found');

		// The design is fixed: a rater added after opening would unbalance it.
		await expect(rounds.addRater(db, CLI, round.id, { name: 'Late' })).rejects.toBeInstanceOf(
			ConflictError
		);
		const progress = await rounds.progress(db, round);
		expect(progress.map((p) => p.total).sort()).toEqual(loads.slice().sort());
	});

	it('refuses to open a balanced round with fewer raters than raters per item', async () => {
		const { db } = database;
		const round = await rounds.create(db, CLI, {
			studyId,
			name: 'Too few',
			checkpointNames: CHECKPOINTS,
			design: { kind: 'absolute', type: 'balanced', ratersPerItem: 3, repeatShare: 0 }
		});
		await raters(db, round.id, ['Only one', 'Only two']);
		await expect(rounds.transition(db, CLI, round.id, 'open')).rejects.toBeInstanceOf(
			ValidationError
		);
		expect((await rounds.get(db, round.id)).status).toBe('draft');
		const count = await db
			.select()
			.from(schema.assignments)
			.where(eq(schema.assignments.roundId, round.id));
		expect(count).toHaveLength(0);
	});

	it('shows a share of items again under new codes and analyses intra-rater agreement', async () => {
		const { db } = database;
		const round = await rounds.create(db, CLI, {
			studyId,
			name: 'Repeats',
			checkpointNames: CHECKPOINTS,
			seed: 'repeats',
			design: { kind: 'absolute', type: 'fully-crossed', ratersPerItem: null, repeatShare: 0.2 }
		});
		const [r] = await raters(db, round.id, ['Dr Repeat']);
		await rounds.transition(db, CLI, round.id, 'open');
		const repeats = await db
			.select()
			.from(schema.items)
			.where(and(eq(schema.items.roundId, round.id), isNotNull(schema.items.repeatOfItemId)));
		expect(repeats.length).toBe(Math.round(0.2 * 28));
		const slots = (await rating.currentRound(db, r!))!.slots;
		expect(slots).toHaveLength(28 + repeats.length);
		// Each repeat comes after its first showing, under a different code.
		for (const rep of repeats) {
			const [first] = await db
				.select()
				.from(schema.items)
				.where(eq(schema.items.id, rep.repeatOfItemId!));
			expect(rep.code).not.toBe(first!.code);
			expect(rep.outputId).toBe(first!.outputId);
			const at = (code: string) => slots.findIndex((s) => s.code === code);
			expect(at(rep.code)).toBeGreaterThan(at(first!.code));
		}
		// The rater gives a letter the same score both times: perfect intra-rater agreement.
		const dims = (await rounds.get(db, round.id)).form.dimensions;
		for (const s of slots) {
			const item = await rating.item(db, r!, s.code);
			if (item.kind !== 'absolute') throw new Error('expected a single letter');
			const score = (item.letter.length % 4) + 1;
			for (const d of dims) await rating.saveScore(db, r!, s.code, d.key, score);
		}
		await rounds.transition(db, CLI, round.id, 'locked');
		await optOutForTest(db, round.id);
		await rounds.transition(db, CLI, round.id, 'unblinded');
		const rows = await csvRows(db, round.id);
		const repeatRows = rows.filter((x) => x.repeat_of !== '');
		expect(repeatRows).toHaveLength(repeats.length * dims.length);
		const { analysis } = await roundAnalysis(db, CLI, round.id);
		expect(analysis.overview.repeatRatings).toBe(repeats.length * dims.length);
		for (const g of analysis.agreement)
			expect(g.intraRater).toMatchObject({ pairs: repeats.length, raters: 1, identical: 1 });
	});

	it('runs a pairwise round: sides per rater, choices saved once, analysed and exported', async () => {
		const { db } = database;
		await expect(
			rounds.create(db, CLI, {
				studyId,
				name: 'One checkpoint',
				checkpointNames: [CHECKPOINTS[0]!],
				design: { kind: 'pairwise', type: 'fully-crossed', ratersPerItem: null, repeatShare: 0 }
			})
		).rejects.toBeInstanceOf(ValidationError);
		const round = await rounds.create(db, CLI, {
			studyId,
			name: 'Pairwise',
			checkpointNames: CHECKPOINTS,
			seed: 'pairs',
			design: { kind: 'pairwise', type: 'fully-crossed', ratersPerItem: null, repeatShare: 0 }
		});
		const [a, b] = await raters(db, round.id, ['Dr Left', 'Dr Right']);
		await rounds.transition(db, CLI, round.id, 'open');
		const slotsA = (await rating.currentRound(db, a!))!.slots;
		expect(slotsA).toHaveLength(14); // one comparison per case
		const first = await rating.item(db, a!, slotsA[0]!.code);
		if (first.kind !== 'pairwise') throw new Error('expected a comparison');
		expect(first.left).not.toBe(first.right);
		expect(Object.keys(first).sort()).toEqual(
			[
				'choices',
				'code',
				'comments',
				'done',
				'form',
				'kind',
				'left',
				'nextCode',
				'number',
				'previousCode',
				'readOnly',
				'right',
				'secondsLeft',
				'source',
				'total'
			].sort()
		);
		// A score or a correction is not a choice.
		await expect(
			rating.saveScore(db, a!, slotsA[0]!.code, first.form.dimensions[0]!.key, 3)
		).rejects.toBeInstanceOf(ValidationError);
		await expect(
			rating.savePreference(db, a!, slotsA[0]!.code, 'salutation', 'up')
		).rejects.toBeInstanceOf(ValidationError);

		// Rater A always prefers the fine-tuned letter; rater B calls everything a tie.
		const fineTuned = await db
			.select({ text: schema.outputs.text })
			.from(schema.outputs)
			.innerJoin(schema.checkpoints, eq(schema.checkpoints.id, schema.outputs.checkpointId))
			.where(eq(schema.checkpoints.name, CHECKPOINTS[1]!));
		const tuned = new Set(fineTuned.map((o) => o.text));
		for (const [who, rule] of [
			[a!, 'tuned'],
			[b!, 'tie']
		] as const) {
			for (const s of (await rating.currentRound(db, who))!.slots) {
				const item = await rating.item(db, who, s.code);
				if (item.kind !== 'pairwise') throw new Error('expected a comparison');
				const choice = rule === 'tie' ? 'tie' : tuned.has(item.left) ? 'left' : 'right';
				for (const d of item.form.dimensions) {
					expect((await rating.savePreference(db, who, s.code, d.key, choice)).changed).toBe(true);
					// The same choice again changes nothing.
					expect((await rating.savePreference(db, who, s.code, d.key, choice)).changed).toBe(false);
				}
			}
		}
		const progress = await rounds.progress(db, round);
		expect(progress.map((p) => [p.done, p.total])).toEqual([
			[14, 14],
			[14, 14]
		]);
		// Sides are balanced per rater: each checkpoint on the left 7 times of 14, ±1.
		const sides = await db
			.select({ rater: schema.assignments.raterId, left: schema.checkpoints.name })
			.from(schema.assignments)
			.innerJoin(schema.items, eq(schema.items.id, schema.assignments.itemId))
			.innerJoin(schema.outputs, eq(schema.outputs.id, schema.items.outputId))
			.innerJoin(schema.checkpoints, eq(schema.checkpoints.id, schema.outputs.checkpointId))
			.where(eq(schema.assignments.roundId, round.id))
			.orderBy(asc(schema.assignments.position));
		for (const who of [a!, b!]) {
			const left = sides.filter((s) => s.rater === who.id && s.left === CHECKPOINTS[0]).length;
			expect(Math.abs(left - 7)).toBeLessThanOrEqual(1);
		}

		// Blinded exports name no checkpoint; unblinded ones do.
		await rounds.transition(db, CLI, round.id, 'locked');
		const blinded = await csvRows(db, round.id);
		expect(blinded).toHaveLength(2 * 14 * 6);
		expect(blinded.every((r) => r.left_checkpoint === '' && r.preferred_checkpoint === '')).toBe(
			true
		);
		await expect(pairwiseAnalysis(db, CLI, round.id)).rejects.toBeInstanceOf(ConflictError);
		await optOutForTest(db, round.id);
		await rounds.transition(db, CLI, round.id, 'unblinded');
		const rows = await csvRows(db, round.id);
		expect(CHOICES).toContain(rows[0]!.choice);
		const preferred = rows.filter((r) => r.preferred_checkpoint === CHECKPOINTS[1]);
		expect(preferred).toHaveLength(14 * 6);
		expect(rows.filter((r) => r.preferred_checkpoint === 'tie')).toHaveLength(14 * 6);

		const { analysis } = await pairwiseAnalysis(db, CLI, round.id);
		expect(analysis.checkpoints).toEqual(CHECKPOINTS);
		for (const cell of analysis.pairs) {
			// From the base model's side: it never won, lost 14 and tied 14 per dimension.
			expect([cell.a, cell.wins, cell.ties, cell.losses]).toEqual([CHECKPOINTS[0], 0, 14, 14]);
			expect(cell.pValue).toBeCloseTo(2 * 0.5 ** 14, 12);
		}
		// The Markdown report of a pairwise round: the same counts, in the paper's table.
		const report = await roundReport(db, CLI, round.id);
		expect(report).toContain(CHECKPOINTS[1]);
		expect(report).toMatch(/sign test/i);
		expect(report).toContain('| 0 | 14 | 14 |');
	});
});
