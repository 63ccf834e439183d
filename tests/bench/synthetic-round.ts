/**
 * A large synthetic round for the benchmarks, built in SQL in seconds: 4 imported checkpoints ×
 * `cases` cases of letters, one unblinded round over all of them, `raters` raters each assigned
 * every item, and 5 scores per assignment (about 20 × cases × raters ratings).
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../src/lib/server/db';
import { DEFAULT_DESIGN } from '../../src/lib/domain/round-options';
import { rounds, studies } from '../../src/lib/server/db/schema';

export const DIMENSIONS = ['d1', 'd2', 'd3', 'd4', 'd5'];
const form = {
	dimensions: DIMENSIONS.map((key) => ({
		key,
		label: key,
		question: '',
		anchors: ['1', '2', '3', '4']
	}))
};

/** Builds the study and round; returns the round's id. */
export async function buildSyntheticRound(
	db: Db,
	slug: string,
	raters: number,
	cases = 250
): Promise<string> {
	const [study] = await db
		.insert(studies)
		.values({ slug, name: slug, seed: '1', form })
		.returning({ id: studies.id });
	const s = study!.id;
	await db.execute(sql`insert into checkpoints (study_id, name, kind)
		select ${s}, 'cp' || g, 'imported' from generate_series(1, 4) g`);
	await db.execute(sql`insert into cases (study_id, external_id, position, source)
		select ${s}, 'C' || g, g, ('{"diagnosis": "carcinoma ' || g || '", "tnm": "cT2 cN0 cM0"}')::json
		from generate_series(1, ${cases}) g`);
	await db.execute(sql`insert into outputs (case_id, checkpoint_id, status, text, provenance)
		select c.id, k.id, 'done', repeat('Sehr geehrte Frau Kollegin, ', 70), '{"source": "imported"}'::jsonb
		from cases c cross join checkpoints k where c.study_id = ${s} and k.study_id = ${s}`);
	const [round] = await db
		.insert(rounds)
		.values({
			studyId: s,
			name: 'R',
			status: 'unblinded',
			seed: '1',
			form,
			design: { ...DEFAULT_DESIGN, checkpoints: [] }
		})
		.returning({ id: rounds.id });
	const r = round!.id;
	await db.execute(sql`insert into items (round_id, output_id, code)
		select ${r}, o.id, upper(substr(md5(o.id::text), 1, 4) || '-' || substr(md5(o.id::text), 5, 4))
		from outputs o join cases c on c.id = o.case_id where c.study_id = ${s}`);
	await db.execute(sql`insert into raters (study_id, pseudonym, name, token_hash)
		select ${s}, 'R' || lpad(g::text, 3, '0'), 'rater ' || g, md5(${slug} || g)
		from generate_series(1, ${raters}) g`);
	await db.execute(sql`insert into round_raters (round_id, rater_id)
		select ${r}, ra.id from raters ra where ra.study_id = ${s}`);
	await db.execute(sql`insert into assignments (round_id, rater_id, item_id, position, completed_at)
		select ${r}, ra.id, i.id, (row_number() over (partition by ra.id order by i.code)) - 1, now()
		from raters ra cross join items i where ra.study_id = ${s} and i.round_id = ${r}`);
	await db.execute(sql`insert into ratings (assignment_id, dimension, score)
		select a.id, d, 1 + (abs(hashtext(a.id::text || d)) % 4)
		from assignments a cross join unnest(array['d1', 'd2', 'd3', 'd4', 'd5']) d
		where a.round_id = ${r}`);
	return r;
}
