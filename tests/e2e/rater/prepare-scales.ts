/**
 * For scales.spec.ts: a study whose form has a 5-point, a yes/no and a harm-extent dimension
 * (the mini demo's cases and imported letters), with one open round and one rater. Called by
 * tests/e2e/prepare.ts; returns the rater's link.
 */
import { CLI } from '../../../src/lib/server/auth/actors';
import type { Db } from '../../../src/lib/server/db';
import * as rounds from '../../../src/lib/server/rounds';
import { importStudy } from '../../../src/lib/server/studies/import';
import { loadStudy } from '../../../src/lib/server/studies/loader';
import { copyDemoStudy } from '../../support/fixtures';

const FORM = `form:
  dimensions:
    - key: completeness
      label: Completeness
      question: Does the letter hold everything the source says?
      scale: 5
      anchors: [Unusable, Major gaps, Some gaps, Minor gaps, Complete]
    - key: fabrication
      label: Fabricated content
      question: Does the letter state anything the source does not?
      scale: yes-no
    - key: harm_extent
      label: Potential harm
      scale: harm-extent
`;

export async function prepareScalesRound(
	db: Db,
	out: string,
	/** The mini demo's files, kept to its three cases. */
	keep: (files: Record<string, string>) => void
): Promise<string> {
	const dir = copyDemoStudy(out, 'scales-study', {
		slug: 'scales',
		mutate: (files) => {
			keep(files);
			// The demo's analysis settings name its 4-point dimensions: the form here has others.
			const head = files['study.yaml']!.split('\nanalysis:')[0]!;
			files['study.yaml'] = `${head.replace('name: Demo —', 'name: Scales —')}\n${FORM}`;
		}
	});
	const { studyId } = await importStudy(db, CLI, loadStudy(dir));
	const round = await rounds.create(db, CLI, {
		studyId,
		name: 'Scales round',
		checkpointNames: ['llama3-8b-instruct', 'llama3-8b-qlora-letters'],
		seed: 'scales'
	});
	const rater = await rounds.addRater(db, CLI, round.id, { name: 'Dr Scales' });
	await rounds.transition(db, CLI, round.id, 'open');
	return `/r/${rater.token}`;
}
