/**
 * For suites whose subject is not pre-registration but that need an unblinded round: records
 * the explicit opt-out that unblinding requires (issue 13), as a coordinator would, audited.
 * tests/integration/analysis-plans.test.ts covers locked plans and the refusal itself.
 */
import type { Actor } from '../../src/lib/server/auth/actors';
import { CLI } from '../../src/lib/server/auth/actors';
import type { Db } from '../../src/lib/server/db';
import * as analysisPlans from '../../src/lib/server/analysis-plans';

export async function optOutForTest(db: Db, roundId: string, actor: Actor = CLI): Promise<void> {
	await analysisPlans.optOut(db, actor, roundId, 'test fixture: analysed without a plan');
}
