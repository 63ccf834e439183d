import { redirect } from '@sveltejs/kit';
import { parseRoundOptions } from '$lib/domain/round-options';
import { ValidationError } from '$lib/errors';
import { db } from '$lib/server/app-db';
import { startInBackground } from '$lib/server/generation/background';
import * as jobs from '$lib/server/generation/jobs';
import { generationView } from '$lib/server/generation/view';
import { asFailure, asHttpError } from '$lib/server/http';
import * as rounds from '$lib/server/rounds';
import { folderForGeneration } from '$lib/server/studies/study-folder';
import * as studies from '$lib/server/studies/queries';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params }) => {
	try {
		const study = await studies.bySlug(db(), params.slug);
		return {
			study: { slug: study.slug, name: study.name, description: study.description },
			// A study with tasks rates one task per round; the tasks that have a form can be rated.
			tasks: (study.tasks ?? []).flatMap((t) => (t.form ? [{ key: t.key, label: t.label }] : [])),
			generation: await generationView(db(), study.slug),
			rounds: (await rounds.listForStudy(db(), study.id)).map((r) => ({
				id: r.id,
				name: r.name,
				status: r.status
			}))
		};
	} catch (e) {
		asHttpError(e);
	}
};

export const actions: Actions = {
	createRound: async ({ params, request, locals }) => {
		const form = await request.formData();
		let id: string;
		try {
			const study = await studies.bySlug(db(), params.slug);
			const share = String(form.get('repeatPercent') ?? '').trim();
			const parsed = parseRoundOptions({
				kind: form.get('kind') ?? undefined,
				design: form.get('design') ?? undefined,
				ratersPerItem: form.get('ratersPerItem') ?? undefined,
				repeatShare: share === '' ? undefined : Number(share) / 100
			});
			if (!parsed.options) throw new ValidationError(parsed.issues);
			const round = await rounds.create(db(), locals.coordinator!, {
				studyId: study.id,
				name: String(form.get('name') ?? ''),
				checkpointNames: form.getAll('checkpoint').map(String),
				seed: String(form.get('seed') ?? ''),
				design: parsed.options,
				task: form.has('task') ? String(form.get('task')) : undefined
			});
			id = round.id;
		} catch (e) {
			return asFailure(e);
		}
		redirect(303, `/rounds/${id}`);
	},
	generate: async ({ params, request, locals }) => {
		const form = await request.formData();
		try {
			const study = await studies.bySlug(db(), params.slug);
			const sourceDir = await folderForGeneration(db(), study);
			await startInBackground(
				db(),
				locals.coordinator!,
				{ ...study, sourceDir },
				String(form.get('checkpoint') ?? '')
			);
		} catch (e) {
			return asFailure(e);
		}
	},
	cancel: async ({ params, request, locals }) => {
		const form = await request.formData();
		try {
			const study = await studies.bySlug(db(), params.slug);
			await jobs.requestCancel(db(), locals.coordinator!, study.id, String(form.get('job') ?? ''));
		} catch (e) {
			return asFailure(e, 'generation');
		}
	}
};
