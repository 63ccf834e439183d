import { db } from '$lib/server/app-db';
import { asHttpError } from '$lib/server/http';
import * as studies from '$lib/server/studies/queries';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params }) => {
	try {
		const study = await studies.bySlug(db(), params.slug);
		const { checkpoint, outputs } = await studies.outputsOf(db(), study.id, params.checkpoint);
		return {
			study: { slug: study.slug, name: study.name },
			checkpoint: {
				name: checkpoint.name,
				kind: checkpoint.kind,
				manifestPath: checkpoint.manifestPath,
				outputsPath: checkpoint.outputsPath,
				modelSha256: checkpoint.modelSha256,
				adapters: checkpoint.adapters
			},
			outputs: outputs.map((o) => ({
				caseId: o.caseId,
				status: o.status,
				text: o.text,
				rawText: o.rawText,
				normalization: o.normalization,
				error: o.error,
				seed: o.seed,
				promptTokens: o.promptTokens,
				completionTokens: o.completionTokens,
				durationMs: o.durationMs,
				timeToFirstTokenMs: o.timeToFirstTokenMs,
				tokensPerSecond: o.tokensPerSecond,
				finishReason: o.finishReason,
				attempts: o.attempts,
				provenance: o.provenance
			}))
		};
	} catch (e) {
		asHttpError(e);
	}
};
