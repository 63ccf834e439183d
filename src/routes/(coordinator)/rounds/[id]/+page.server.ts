import { blindedAgreement } from '$lib/server/analysis';
import { db } from '$lib/server/app-db';
import { readConfig } from '$lib/server/config';
import * as exportsService from '$lib/server/exports';
import { asFailure, asHttpError } from '$lib/server/http';
import * as rounds from '$lib/server/rounds';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params, locals }) => {
	try {
		const round = await rounds.get(db(), params.id);
		return {
			round: { id: round.id, name: round.name, status: round.status, studyId: round.studyId },
			progress: await rounds.progress(db(), round.id),
			agreement:
				round.status === 'open' || round.status === 'locked'
					? await blindedAgreement(db(), locals.coordinator!, round.id)
					: null,
			means:
				round.status === 'unblinded'
					? await exportsService.meanTable(db(), locals.coordinator!, round.id)
					: null
		};
	} catch (e) {
		asHttpError(e);
	}
};

const step = (to: rounds.RoundStatus) =>
	(async ({ params, locals }) => {
		try {
			await rounds.transition(db(), locals.coordinator!, params.id, to);
		} catch (e) {
			return asFailure(e);
		}
	}) satisfies Actions[string];

export const actions: Actions = {
	open: step('open'),
	lock: step('locked'),
	unblind: step('unblinded'),
	addRater: async ({ params, request, locals }) => {
		const form = await request.formData();
		try {
			const rater = await rounds.addRater(db(), locals.coordinator!, params.id, {
				name: String(form.get('name') ?? ''),
				email: String(form.get('email') ?? '')
			});
			return { link: `${readConfig().publicUrl}/r/${rater.token}`, pseudonym: rater.pseudonym };
		} catch (e) {
			return asFailure(e);
		}
	}
};
