/**
 * What the coordinator's round page shows, in one call: the round and its design, the analysis
 * plan, the training-data leakage of its checkpoints, progress per rater and per item, and, by the round's state, the blinded agreement (open
 * or locked) or the mean table (unblinded). Only plain data leaves here; the page loader calls
 * `overview` and nothing else.
 */
import { describeDesign } from '../../domain/round-options';
import * as analysisPlans from '../analysis-plans';
import type { Actor } from '../auth/actors';
import type { Db } from '../db';
import { meanTable } from '../exports';
import { blindedAgreement } from '../round-analysis';
import * as rounds from '../rounds';
import * as checks from '../studies/checks';

export async function overview(db: Db, actor: Actor, roundId: string) {
	const round = await rounds.get(db, roundId);
	const design = rounds.designOf(round);
	const absolute = round.kind === 'absolute';
	return {
		round: {
			id: round.id,
			name: round.name,
			status: round.status,
			kind: round.kind,
			studyId: round.studyId,
			seed: round.seed
		},
		design: { description: describeDesign(design), report: design.report ?? null },
		plan: await planView(db, actor, round.id),
		leakage: await checks.roundLeakage(db, round.id),
		progress: await rounds.progress(db, round),
		items: await rounds.itemProgress(db, round),
		agreement:
			(round.status === 'open' || round.status === 'locked') && absolute
				? await blindedAgreement(db, actor, round.id)
				: null,
		means: round.status === 'unblinded' && absolute ? await meanTable(db, actor, round.id) : null
	};
}

export type RoundOverview = Awaited<ReturnType<typeof overview>>;

/** The round's analysis plan as the page shows it: status, readable text and the YAML. */
async function planView(db: Db, actor: Actor, roundId: string) {
	const row = await analysisPlans.get(db, actor, roundId);
	return {
		status: row?.status ?? null,
		lines: analysisPlans.describeStored(row),
		source: row?.source ?? '',
		sha256: row?.sha256 ?? null
	};
}
