import fs from 'node:fs';

export interface E2eFixture {
	roundId: string;
	raterA: string;
	raterB: string;
	/** The demo round's rater link, as `npm run demo` prints it. */
	demoRater: string;
	/** Strings no rater-reachable response may contain. */
	checkpointSecrets: string[];
}

export const E2E_COORDINATOR = { email: 'e2e@blindeval.test', password: 'e2e-coordinator-pw' };

export function readFixture(): E2eFixture {
	return JSON.parse(fs.readFileSync('tests/.tmp/e2e/fixture.json', 'utf8')) as E2eFixture;
}
