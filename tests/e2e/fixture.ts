import fs from 'node:fs';

export interface E2eFixture {
	roundId: string;
	raterA: string;
	raterB: string;
	/** The demo round's rater link, as `npm run demo` prints it. */
	demoRater: string;
	/** Strings no rater-reachable response may contain. */
	checkpointSecrets: string[];
	/**
	 * Links for the rater specs (keyboard.spec.ts, offline.spec.ts), each rater alone in what they
	 * do, on rounds of their own (other specs lock the E2E round): 'Keyboard round' (open),
	 * 'Offline round' (open; the two shared raters use one browser, as on a shared workstation)
	 * and 'Locked round' (locked, one score and comment given).
	 */
	keyboardRater: string;
	germanRater: string;
	offlineRater: string;
	extrasRater: string;
	lockedRater: string;
	/** 'Marks round' (open, fully crossed): marks.spec.ts marks errors as the first rater. */
	marksRater: string;
	/** The Marks round's other rater, of the same letters: must not see or change those marks. */
	marksOtherRater: string;
	sharedRaterA: string;
	sharedRaterB: string;
	/** 'Pairwise round' (open, fully crossed, one rater: 3 comparisons). */
	pairwiseRater: string;
	/** 'Balanced round' (open, one rater per letter: the two raters share no letter). */
	balancedRaters: [string, string];
	/** 'Leak round': its rater's overall comment on the first letter names `plantedLeak`. */
	leakRater: string;
	plantedLeak: string;
	/** 'Analysis round' of the demo study: unblinded, every letter scored by two raters. */
	analysisRoundId: string;
	/** 'Plan round' (locked, scored by two raters, no analysis plan): plan.spec.ts. */
	planRoundId: string;
	/** 'Checks round' of the checks demo (draft): two of its cases leaked into training data. */
	checksRoundId: string;
	/** 'Scales round' (open, one rater): a 5-point, a yes/no and a harm-extent dimension. */
	scalesRater: string;
}

export const E2E_COORDINATOR = { email: 'e2e@blindeval.test', password: 'e2e-coordinator-pw' };

export function readFixture(): E2eFixture {
	return JSON.parse(fs.readFileSync('tests/.tmp/e2e/fixture.json', 'utf8')) as E2eFixture;
}
