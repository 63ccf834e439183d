/**
 * For analysis-layout.spec.ts: an unblinded round over the whole demo study (14 cases, the two
 * imported checkpoints, two raters who scored every letter), so the analysis page has every
 * table and chart at its real size. Called by tests/e2e/prepare.ts.
 */
import { CLI } from '../../../src/lib/server/auth/actors';
import type { Db } from '../../../src/lib/server/db';
import * as rating from '../../../src/lib/server/rating';
import * as rounds from '../../../src/lib/server/rounds';
import { optOutForTest } from '../../support/preregister';

export async function prepareAnalysisRound(db: Db, demoRoundId: string): Promise<string> {
	const { studyId } = await rounds.get(db, demoRoundId);
	const round = await rounds.create(db, CLI, {
		studyId,
		name: 'Analysis round',
		checkpointNames: ['llama3-8b-instruct', 'llama3-8b-qlora-letters'],
		seed: 'analysis-layout'
	});
	const links = [
		await rounds.addRater(db, CLI, round.id, { name: 'Dr Layout A' }),
		await rounds.addRater(db, CLI, round.id, { name: 'Dr Layout B' })
	];
	await rounds.transition(db, CLI, round.id, 'open');
	for (const [r, link] of links.entries()) {
		const rater = (await rating.raterFromToken(db, link.token))!;
		const slots = (await rating.currentRound(db, rater))!.slots;
		for (const [i, slot] of slots.entries())
			for (const [d, dim] of round.form.dimensions.entries())
				await rating.saveScore(db, rater, slot.code, dim.key, 1 + ((i + d + r) % 4));
	}
	await rounds.transition(db, CLI, round.id, 'locked');
	await optOutForTest(db, round.id);
	await rounds.transition(db, CLI, round.id, 'unblinded');
	return round.id;
}
