import { blindedAgreement } from '$lib/server/round-analysis';
import * as analysisPlans from '$lib/server/analysis-plans';
import { db } from '$lib/server/app-db';
import { readConfig } from '$lib/server/config';
import * as exportsService from '$lib/server/exports';
import { asFailure, asHttpError } from '$lib/server/http';
import * as rounds from '$lib/server/rounds';
import * as checks from '$lib/server/studies/checks';
import { describeDesign } from '$lib/domain/round-options';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params, locals }) => {
	try {
		const round = await rounds.get(db(), params.id);
		const design = rounds.designOf(round);
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
			plan: await planView(locals.coordinator!, round.id),
			leakage: await checks.roundLeakage(db(), round.id),
			progress: await rounds.progress(db(), round),
			items: await rounds.itemProgress(db(), round),
			agreement:
				(round.status === 'open' || round.status === 'locked') && round.kind === 'absolute'
					? await blindedAgreement(db(), locals.coordinator!, round.id)
					: null,
			means:
				round.status === 'unblinded' && round.kind === 'absolute'
					? await exportsService.meanTable(db(), locals.coordinator!, round.id)
					: null
		};
	} catch (e) {
		asHttpError(e);
	}
};

/** The round's analysis plan as the page shows it: status, readable text and the YAML. */
async function planView(actor: NonNullable<App.Locals['coordinator']>, roundId: string) {
	const row = await analysisPlans.get(db(), actor, roundId);
	return {
		status: row?.status ?? null,
		lines: analysisPlans.describeStored(row),
		source: row?.source ?? '',
		sha256: row?.sha256 ?? null
	};
}

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
