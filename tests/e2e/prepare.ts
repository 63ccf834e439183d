/**
 * Prepares the e2e database: a small copy of the demo study (3 cases, 2 imported checkpoints =
 * 6 items), an open round with two raters, and a coordinator. Writes the links and the
 * checkpoint identifiers (for the blinding checks) to <out>/fixture.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CLI } from '../../src/lib/server/auth/actors';
import * as users from '../../src/lib/server/auth/users';
import { readConfig } from '../../src/lib/server/config';
import { openDatabase } from '../../src/lib/server/db';
import * as schema from '../../src/lib/server/db/schema';
import * as rating from '../../src/lib/server/rating';
import type { RoundDesignOptions } from '../../src/lib/domain/round-options';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import { setUpDemo } from '../../src/lib/server/demo';
import { stringify } from 'yaml';
import { buildTinyModelOnce, copyDemoStudy } from '../support/fixtures';
import { E2E_COORDINATOR, type E2eFixture } from './fixture';
import { prepareAnalysisRound } from './coordinator/prepare-analysis';
import { prepareScalesRound } from './rater/prepare-scales';

const out = path.resolve(process.argv[2] ?? 'tests/.tmp/e2e');
const config = readConfig();
const keep = new Set(['DEMO-01', 'DEMO-05', 'DEMO-10']);
const only = (text: string, key: string) =>
	text
		.split('\n')
		.filter((l) => l.trim() && keep.has(JSON.parse(l)[key]))
		.join('\n') + '\n';
// The tiny model for generation from the UI: tiny-random (runs to the end) and tiny-slow
// (long letters, one sequence: slow enough to watch and cancel). Built into the study's models
// folder, which serve.sh names in BLINDEVAL_MODELS_DIR for the server.
const tiny = await buildTinyModelOnce(path.join(out, 'study', 'models'));
const dir = copyDemoStudy(out, 'study', {
	slug: 'mini',
	mutate: (files) => {
		files['cases.jsonl'] = only(files['cases.jsonl']!, 'id');
		files['outputs/base.jsonl'] = only(files['outputs/base.jsonl']!, 'case_id');
		files['outputs/finetuned.jsonl'] = only(files['outputs/finetuned.jsonl']!, 'case_id');
		files['study.yaml'] = files['study.yaml']!.replace('name: Demo —', 'name: Mini demo —').replace(
			/(\n {2}- name: tiny-random\n {4}manifest: [^\n]+)/,
			'$1\n  - name: tiny-slow\n    manifest: tiny-slow.yaml'
		);
		files['tiny-slow.yaml'] = stringify({
			name: 'tiny-slow',
			model: path.join(tiny, 'tiny-random.gguf'),
			promptTemplate: 'Write the letter. Diagnosis: {{diagnosis}}',
			sampling: { temperature: 0, maxTokens: 1800, seed: 42 },
			contextSize: 2048,
			threads: 1,
			parallel: 1
		});
	}
});

const database = await openDatabase({ dataDir: config.dataDir });
try {
	await database.migrate(config.migrationsDir);
	const { db } = database;
	const { studyId } = await importStudy(db, CLI, loadStudy(dir));
	await users.ensure(db, CLI, { ...E2E_COORDINATOR, name: 'E2E coordinator' });
	const round = await rounds.create(db, CLI, {
		studyId,
		name: 'E2E round',
		checkpointNames: ['llama3-8b-instruct', 'llama3-8b-qlora-letters'],
		seed: 'e2e'
	});
	await rounds.transition(db, CLI, round.id, 'open');
	const a = await rounds.addRater(db, CLI, round.id, { name: 'Rater A' });
	const b = await rounds.addRater(db, CLI, round.id, { name: 'Rater B' });
	// The demo study and its round, exactly as `npm run demo` sets them up.
	const demo = await setUpDemo(db, config.publicUrl);
	const cps = await db.select().from(schema.checkpoints);
	// Rounds of the rater specs, one rater per test (see E2eFixture).
	const raterRound = async (name: string) => {
		const r = await rounds.create(db, CLI, {
			studyId,
			name,
			checkpointNames: ['llama3-8b-instruct', 'llama3-8b-qlora-letters'],
			seed: name
		});
		await rounds.transition(db, CLI, r.id, 'open');
		return r;
	};
	const keyboardRound = await raterRound('Keyboard round');
	const offlineRound = await raterRound('Offline round');
	const lockedRound = await raterRound('Locked round');
	const keyboardRater = await rounds.addRater(db, CLI, keyboardRound.id, { name: 'Dr Keys' });
	const germanRater = await rounds.addRater(db, CLI, keyboardRound.id, { name: 'Dr Deutsch' });
	const offlineRater = await rounds.addRater(db, CLI, offlineRound.id, { name: 'Dr Offline' });
	const extrasRater = await rounds.addRater(db, CLI, offlineRound.id, { name: 'Dr Notes' });
	const lockedRater = await rounds.addRater(db, CLI, lockedRound.id, { name: 'Dr Locked' });
	// marks.spec.ts: error marks, alone in a round of their own.
	const marksRound = await raterRound('Marks round');
	const marksRater = await rounds.addRater(db, CLI, marksRound.id, { name: 'Dr Marks' });
	const marksOther = await rounds.addRater(db, CLI, marksRound.id, { name: 'Dr Other' });
	const sharedRaterA = await rounds.addRater(db, CLI, offlineRound.id, { name: 'Dr Shared A' });
	const sharedRaterB = await rounds.addRater(db, CLI, offlineRound.id, { name: 'Dr Shared B' });
	const locked = (await rating.raterFromToken(db, lockedRater.token))!;
	const lockedFirst = (await rating.currentRound(db, locked))!.slots[0]!.code;
	await rating.saveScore(db, locked, lockedFirst, 'diagnosis', 2);
	await rating.saveComment(db, locked, lockedFirst, '', 'Written before the lock.');
	await rounds.transition(db, CLI, lockedRound.id, 'locked');
	// designs.spec.ts: a pairwise round, and a balanced round with each letter to one rater only.
	const designRound = async (name: string, design: RoundDesignOptions, raterNames: string[]) => {
		const r = await rounds.create(db, CLI, {
			studyId,
			name,
			checkpointNames: ['llama3-8b-instruct', 'llama3-8b-qlora-letters'],
			seed: name,
			design
		});
		const links = [];
		for (const n of raterNames)
			links.push(`/r/${(await rounds.addRater(db, CLI, r.id, { name: n })).token}`);
		await rounds.transition(db, CLI, r.id, 'open');
		return links;
	};
	const pairwiseLinks = await designRound(
		'Pairwise round',
		{ kind: 'pairwise', type: 'fully-crossed', ratersPerItem: null, repeatShare: 0 },
		['Dr Pair']
	);
	const balancedLinks = await designRound(
		'Balanced round',
		{ kind: 'absolute', type: 'balanced', ratersPerItem: 1, repeatShare: 0 },
		['Dr One', 'Dr Two']
	);
	// plan.spec.ts: a locked round, every letter scored by two raters, without a plan yet.
	const planRound = await raterRound('Plan round');
	for (const name of ['Dr Plan A', 'Dr Plan B']) {
		const link = await rounds.addRater(db, CLI, planRound.id, { name });
		const rater = (await rating.raterFromToken(db, link.token))!;
		const slots = (await rating.currentRound(db, rater))!.slots;
		for (const [i, slot] of slots.entries())
			for (const [d, dimension] of ['diagnosis', 'clinical_benefit'].entries())
				await rating.saveScore(db, rater, slot.code, dimension, ((i + d + name.length) % 4) + 1);
	}
	await rounds.transition(db, CLI, planRound.id, 'locked');
	// The blinding audit must find a leak planted here: a checkpoint name in what the rater sees.
	const leakRound = await raterRound('Leak round');
	const leakRater = await rounds.addRater(db, CLI, leakRound.id, { name: 'Dr Leak' });
	const leaky = (await rating.raterFromToken(db, leakRater.token))!;
	const leakCode = (await rating.currentRound(db, leaky))!.slots[0]!.code;
	await rating.saveComment(db, leaky, leakCode, '', `Planted leak: ${cps[0]!.name}`);
	const fixture: E2eFixture = {
		roundId: round.id,
		raterA: `/r/${a.token}`,
		raterB: `/r/${b.token}`,
		demoRater: new URL(demo.raterLink).pathname,
		checkpointSecrets: cps.flatMap((c) =>
			[
				c.id,
				c.name,
				c.manifestPath,
				c.outputsPath,
				c.modelSha256,
				'tiny-random',
				'llama3',
				'qlora'
			].filter((s): s is string => !!s)
		),
		keyboardRater: `/r/${keyboardRater.token}`,
		germanRater: `/r/${germanRater.token}`,
		offlineRater: `/r/${offlineRater.token}`,
		extrasRater: `/r/${extrasRater.token}`,
		lockedRater: `/r/${lockedRater.token}`,
		marksRater: `/r/${marksRater.token}`,
		marksOtherRater: `/r/${marksOther.token}`,
		sharedRaterA: `/r/${sharedRaterA.token}`,
		sharedRaterB: `/r/${sharedRaterB.token}`,
		pairwiseRater: pairwiseLinks[0]!,
		balancedRaters: [balancedLinks[0]!, balancedLinks[1]!],
		leakRater: `/r/${leakRater.token}`,
		plantedLeak: cps[0]!.name,
		analysisRoundId: await prepareAnalysisRound(db, demo.roundId),
		planRoundId: planRound.id,
		checksRoundId: '',
		scalesRater: await prepareScalesRound(db, out, (files) => {
			files['cases.jsonl'] = only(files['cases.jsonl']!, 'id');
			files['outputs/base.jsonl'] = only(files['outputs/base.jsonl']!, 'case_id');
			files['outputs/finetuned.jsonl'] = only(files['outputs/finetuned.jsonl']!, 'case_id');
		})
	};
	// import-checks.spec.ts: the checks demo (planted identifier confirmed, two leaked cases)
	// with a draft round over both of its checkpoints, opened in the browser.
	const checks = await importStudy(db, CLI, loadStudy('studies/checks-demo'), { confirmPhi: true });
	fixture.checksRoundId = (
		await rounds.create(db, CLI, { studyId: checks.studyId, name: 'Checks round', seed: 'checks' })
	).id;
	fs.writeFileSync(path.join(out, 'fixture.json'), JSON.stringify(fixture, null, 2));
} finally {
	await database.close();
}
