import { db } from '$lib/server/app-db';
import { asHttpError } from '$lib/server/http';
import { planPower, plannerChoices, plannerQuery } from '$lib/server/power-planner';
import { ConflictError, ValidationError, formatIssue } from '$lib/errors';
import type { PageServerLoad } from './$types';

/** The power planner: the form always; the simulation once the form is sent (`run`). */
export const load: PageServerLoad = async ({ params, url, locals }) => {
	const actor = locals.coordinator!;
	try {
		const choices = await plannerChoices(db(), actor, params.slug);
		const values = plannerQuery(url.searchParams);
		if (!url.searchParams.has('run')) return { ...choices, values, report: null, errors: [] };
		try {
			const report = await planPower(db(), actor, params.slug, values);
			return { ...choices, values, report, errors: [] };
		} catch (e) {
			if (e instanceof ConflictError)
				return { ...choices, values, report: null, errors: [e.message] };
			if (!(e instanceof ValidationError)) throw e;
			return { ...choices, values, report: null, errors: e.issues.map(formatIssue) };
		}
	} catch (e) {
		asHttpError(e);
	}
};
