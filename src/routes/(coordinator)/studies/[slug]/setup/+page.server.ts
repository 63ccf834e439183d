import { fail } from '@sveltejs/kit';
import { db } from '$lib/server/app-db';
import { PhiFindingsError } from '$lib/server/studies/checks';
import { asFailure, asHttpError } from '$lib/server/http';
import * as checkpointSetup from '$lib/server/studies/checkpoints';
import * as studies from '$lib/server/studies/queries';
import * as setup from '$lib/server/studies/setup';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params }) => {
	try {
		const study = await studies.bySlug(db(), params.slug);
		return {
			study: { slug: study.slug, name: study.name },
			status: await studies.status(db(), study.id),
			manifests: checkpointSetup.listManifests()
		};
	} catch (e) {
		asHttpError(e);
	}
};

/** Runs one setup step, mapping typed errors to a failure of that step's form. */
async function step<T>(scope: string, fn: () => Promise<T>) {
	try {
		return { scope, ...(await fn()) };
	} catch (e) {
		const failure = asFailure(e, scope);
		// Likely identifiers: the page offers the audited confirmation with the findings.
		return e instanceof PhiFindingsError
			? fail(failure.status, { ...failure.data, phi: true })
			: failure;
	}
}

export const actions: Actions = {
	previewCases: async ({ params, request }) => {
		const form = await request.formData();
		return step('cases', async () => {
			const upload = await setup.uploadOf(form.get('file'));
			return { file: upload.name, ...(await setup.previewCasesFor(db(), params.slug, upload)) };
		});
	},
	saveCases: async ({ params, request, locals }) => {
		const form = await request.formData();
		return step('cases', async () => {
			const upload = await setup.uploadOf(form.get('file'));
			const digest = String(form.get('digest') ?? '');
			return {
				saved: await setup.saveCases(
					db(),
					locals.coordinator!,
					params.slug,
					upload,
					digest,
					form.get('confirmPhi') === 'on'
				)
			};
		});
	},
	addManifest: async ({ params, request, locals }) => {
		const form = await request.formData();
		const file = String(form.get('manifest') ?? '');
		return step('manifest', () =>
			checkpointSetup.addLocal(db(), locals.coordinator!, params.slug, file)
		);
	},
	uploadOutputs: async ({ params, request, locals }) => {
		const form = await request.formData();
		return step('outputs', async () => {
			const upload = await setup.uploadOf(form.get('file'));
			const checkpoint = String(form.get('checkpoint') ?? '').trim();
			const s = await checkpointSetup.uploadOutputs(
				db(),
				locals.coordinator!,
				params.slug,
				upload,
				checkpoint,
				form.get('confirmPhi') === 'on'
			);
			return { imported: { file: upload.name, outputs: s.outputs, checkpoints: s.checkpoints } };
		});
	}
};
