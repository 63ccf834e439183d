import * as analysisPlans from '$lib/server/analysis-plans';
import { db } from '$lib/server/app-db';
import { readConfig } from '$lib/server/config';
import { asFailure, asHttpError } from '$lib/server/http';
import * as rounds from '$lib/server/rounds';
import { overview } from '$lib/server/rounds/overview';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params, locals }) => {
	try {
		return await overview(db(), locals.coordinator!, params.id);
	} catch (e) {
		asHttpError(e);
	}
};

/** A plan action (save, lock, opt out): one service call, its refusal shown under "plan". */
const planStep = (
	run: (
		actor: NonNullable<App.Locals['coordinator']>,
		id: string,
		form: FormData
	) => Promise<unknown>
) =>
	(async ({ params, request, locals }) => {
		try {
			await run(locals.coordinator!, params.id, await request.formData());
		} catch (e) {
			return asFailure(e, 'plan');
		}
	}) satisfies Actions[string];

const step = (to: rounds.RoundStatus) =>
	(async ({ params, locals }) => {
		try {
			await rounds.transition(db(), locals.coordinator!, params.id, to);
		} catch (e) {
			return asFailure(e);
		}
	}) satisfies Actions[string];

export const actions: Actions = {
	// Opening a round with cases leaked into training data needs the confirmation box (audited).
	open: async ({ params, request, locals }) => {
		const confirmLeakage = (await request.formData()).get('confirmLeakage') === 'on';
		try {
			await rounds.transition(db(), locals.coordinator!, params.id, 'open', { confirmLeakage });
		} catch (e) {
			return asFailure(e);
		}
	},
	lock: step('locked'),
	unblind: step('unblinded'),
	savePlan: planStep((actor, id, form) =>
		analysisPlans.save(db(), actor, id, String(form.get('plan') ?? ''))
	),
	lockPlan: planStep((actor, id) => analysisPlans.lock(db(), actor, id)),
	optOutPlan: planStep((actor, id, form) =>
		analysisPlans.optOut(db(), actor, id, String(form.get('reason') ?? ''))
	),
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
	},
	reissue: async ({ request, locals }) => {
		const form = await request.formData();
		try {
			const token = await rounds.reissueLink(
				db(),
				locals.coordinator!,
				String(form.get('rater') ?? '')
			);
			return {
				link: `${readConfig().publicUrl}/r/${token}`,
				pseudonym: String(form.get('pseudonym') ?? '')
			};
		} catch (e) {
			return asFailure(e);
		}
	},
	revoke: async ({ request, locals }) => {
		const form = await request.formData();
		try {
			await rounds.revokeLink(db(), locals.coordinator!, String(form.get('rater') ?? ''));
			return { revoked: String(form.get('pseudonym') ?? '') };
		} catch (e) {
			return asFailure(e);
		}
	}
};
