/**
 * A study whose every text field is awkward for CSV and for spreadsheets: quotes, commas, line
 * breaks (LF and CRLF), Unicode, empty strings, values starting with =, +, - or @, and
 * timestamps with microseconds. Built with plain inserts (no validation), so the values reach the
 * exports as they are; one absolute round (with a repeated showing) and one pairwise round, both
 * unblinded.
 */
import { sql } from 'drizzle-orm';
import { DEFAULT_DESIGN } from '../../src/lib/domain/round-options';
import type { Db } from '../../src/lib/server/db';
import * as schema from '../../src/lib/server/db/schema';

export const AWKWARD = [
	'plain',
	'',
	'with, comma',
	'say "hi"',
	'"quoted"',
	'line\nbreak',
	'crlf\r\nbreak',
	'ends with CR\r',
	'=SUM(A1:A9)',
	'+49 30 1234',
	'-1',
	'@cmd',
	'Ünïcødé ✓ 日本語 🙂',
	' padded ',
	'back\\slash\ttab',
	'\\N',
	"it's"
];

const at = (i: number) => new Date(Date.UTC(2026, 2, 1, 12) + i * 1237);

export async function buildAwkwardStudy(db: Db): Promise<{ absolute: string; pairwise: string }> {
	const dims = ['d_one', 'd_two', 'd_three'];
	const form = {
		dimensions: dims.map((key, i) => ({
			key,
			label: AWKWARD[i + 2]!,
			question: AWKWARD[i + 8]!,
			anchors: ['1', '2', '3', '4']
		}))
	};
	const [study] = await db
		.insert(schema.studies)
		.values({ slug: 'awk,"=x"', name: 'Awkward ✓', seed: 's', form })
		.returning();
	const checkpoints = await db
		.insert(schema.checkpoints)
		.values(
			['=cp,one', 'cp "two"', 'cp\nthree'].map((name) => ({
				studyId: study!.id,
				name,
				kind: 'imported' as const
			}))
		)
		.returning();
	const cases = await db
		.insert(schema.cases)
		.values(
			AWKWARD.slice(0, 6).map((id, i) => ({
				studyId: study!.id,
				externalId: id || 'empty-id',
				position: i,
				source: { note: AWKWARD[i] }
			}))
		)
		.returning();
	const outputs = await db
		.insert(schema.outputs)
		.values(
			cases.flatMap((c) =>
				checkpoints.map((k) => ({
					caseId: c.id,
					checkpointId: k.id,
					status: 'done' as const,
					text: `letter ${c.externalId}`
				}))
			)
		)
		.returning();
	const raters = await db
		.insert(schema.raters)
		.values(
			['R01', '-R2', '@R3'].map((pseudonym, i) => ({
				studyId: study!.id,
				pseudonym,
				name: AWKWARD[i + 3]!,
				tokenHash: `awk-${i}`
			}))
		)
		.returning();

	let n = 0;
	async function round(kind: 'absolute' | 'pairwise', name: string) {
		const [r] = await db
			.insert(schema.rounds)
			.values({
				studyId: study!.id,
				name,
				kind,
				status: 'unblinded',
				seed: '1',
				form,
				design: { ...DEFAULT_DESIGN, kind, checkpoints: [] }
			})
			.returning();
		const values = cases.map((c, i) => {
			const own = outputs.filter((o) => o.caseId === c.id);
			return {
				roundId: r!.id,
				outputId: own[i % 3]!.id,
				rightOutputId: kind === 'pairwise' ? own[(i + 1) % 3]!.id : null,
				code: `${kind[0]}${i}-${AWKWARD[i + 8]}`
			};
		});
		const items = await db.insert(schema.items).values(values).returning();
		if (kind === 'absolute') {
			// A repeated showing of the first letter.
			const [repeat] = await db
				.insert(schema.items)
				.values({
					roundId: r!.id,
					outputId: items[0]!.outputId,
					code: 'rep"eat',
					repeatOfItemId: items[0]!.id
				})
				.returning();
			items.push(repeat!);
		}
		for (const [ri, rater] of raters.entries()) {
			const assigned = await db
				.insert(schema.assignments)
				.values(
					items.map((item, p) => ({
						roundId: r!.id,
						raterId: rater.id,
						itemId: item.id,
						position: p,
						secondsOnItem: (p * 13 + ri) % 50
					}))
				)
				.returning();
			for (const [ai, a] of assigned.entries()) {
				// Leave some dimensions unanswered, so wide rows have empty cells.
				const answered = dims.filter((_, di) => (ai + di + ri) % 4 !== 0);
				for (const dimension of answered) {
					const k = n++;
					const times = { createdAt: at(k), updatedAt: at(k + 3) };
					if (kind === 'absolute')
						await db
							.insert(schema.ratings)
							.values({ assignmentId: a.id, dimension, score: (k % 4) + 1, ...times });
					else
						await db.insert(schema.preferences).values({
							assignmentId: a.id,
							dimension,
							choice: (['left', 'tie', 'right'] as const)[k % 3]!,
							...times
						});
					if (k % 2 === 0)
						await db
							.insert(schema.comments)
							.values({ assignmentId: a.id, dimension, body: AWKWARD[k % AWKWARD.length]! });
				}
				if (ai % 3 !== 1)
					await db.insert(schema.comments).values({
						assignmentId: a.id,
						dimension: '',
						body: AWKWARD[(ai * 5) % AWKWARD.length]!
					});
			}
		}
		return r!.id;
	}
	const absolute = await round('absolute', 'Round "1", =today');
	const pairwise = await round('pairwise', 'Paar\nRunde');
	// Microseconds the drivers' Dates cannot hold: the exports truncate them to milliseconds.
	await db.execute(
		sql`update ratings set created_at = created_at + interval '999 microseconds', updated_at = updated_at + interval '1 microsecond'`
	);
	return { absolute, pairwise };
}
