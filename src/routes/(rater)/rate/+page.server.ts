import { redirect } from '@sveltejs/kit';
import { db } from '$lib/server/app-db';
import { currentRound } from '$lib/server/rating';
import type { PageServerLoad } from './$types';

/** Resumes at the first unfinished item; shows the summary when everything is scored. */
export const load: PageServerLoad = async ({ locals, url }) => {
	const round = await currentRound(db(), locals.rater!);
	if (round?.resumeCode && !url.searchParams.has('overview'))
		redirect(303, `/rate/${round.resumeCode}`);
	return {
		round: round && {
			kind: round.kind,
			status: round.status,
			done: round.done,
			total: round.total,
			secondsLeft: round.secondsLeft,
			resumeCode: round.resumeCode,
			slots: round.slots.map((s) => ({ code: s.code, done: s.done }))
		}
	};
};
