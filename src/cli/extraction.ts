/**
 * `npm run cli -- extraction <study-dir | slug> [--round NAME]`: the labels extracted from every
 * output against the gold ones, with the hit rates, so a coordinator can tune the study's
 * extraction rules before unblinding. Given a study folder, the rules are read (and validated,
 * with file, line and field) from its study.yaml as it is now, without importing it; given a
 * slug, the rules imported with the study are used. Outputs and gold labels come from the
 * database. Outputs are named by blinded item codes, never by checkpoint.
 */
import fs from 'node:fs';
import path from 'node:path';
import { checkExtraction, renderExtractionCheck } from '../lib/analysis/extraction-check';
import { extractionRulesOf } from '../lib/analysis/label-extraction';
import type { ExtractionSettings } from '../lib/domain/extraction-settings';
import type { Actor } from '../lib/server/auth/actors';
import type { Db } from '../lib/server/db';
import { extractionInputs } from '../lib/server/extraction-check';
import { loadStudy } from '../lib/server/studies/loader';
import * as studies from '../lib/server/studies/queries';

export async function extractionCommand(
	db: Db,
	actor: Actor,
	study: string,
	round: string | null
): Promise<string> {
	let slug: string;
	let settings: ExtractionSettings | undefined;
	let source: string;
	if (fs.existsSync(path.join(study, 'study.yaml'))) {
		const def = loadStudy(study);
		slug = def.slug;
		settings = def.study.analysis?.extraction;
		source = path.join(study, 'study.yaml');
	} else {
		const row = await studies.bySlug(db, study);
		slug = row.slug;
		settings = row.analysis?.extraction;
		source = 'as imported';
	}
	const rules = extractionRulesOf(settings);
	const inputs = await extractionInputs(db, actor, slug, round);
	return renderExtractionCheck(checkExtraction(inputs, rules), {
		study: slug,
		round,
		rules: settings
			? `the study's (${source}) with the built-in defaults where kept`
			: 'the built-in defaults'
	});
}
