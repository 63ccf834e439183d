/**
 * The authorization matrix: for every page, form action and endpoint (route-tree.ts), the
 * status each kind of visitor gets. A route missing here fails authorization.spec.ts, and so
 * does a row for a route that no longer exists.
 *
 * Visitors: anon (nobody), a and b (raters of the same open round, each with their own link),
 * c (a rater of another open round), stat (statistician) and coord (coordinator). `[code]` is
 * always one of A's item codes. The open round has a balanced design with one rater per letter,
 * so B, of the same round, holds none of A's letters and gets 404 for them, exactly as C (a
 * rater of another round) does and as for a code that does not exist. Form actions are posted empty (or as harmless as possible), so a
 * coordinator gets the refusal of the action itself (400/409), never a change that matters.
 */
export interface Row {
	anon: number;
	a: number;
	b: number;
	c: number;
	stat: number;
	coord: number;
}
/** Rows per round: `[id]` is the unblinded round or the open one. */
export type Variants = { unblinded: Row; open: Row };

const all = (s: number): Row => ({ anon: s, a: s, b: s, c: s, stat: s, coord: s });
/** Pages of the signed-in area: visitors without a session are sent to sign in (303). */
const staffPage = (stat: number, coord: number): Row => ({
	anon: 303,
	a: 303,
	b: 303,
	c: 303,
	stat,
	coord
});
/** Writes and API calls of the signed-in area: 401 without a session. */
const staffCall = (stat: number, coord: number): Row => ({
	anon: 401,
	a: 401,
	b: 401,
	c: 401,
	stat,
	coord
});
/** Rater pages and endpoints: 401 without a rater link; B and C get 404 for A's items. */
const raterCall = (ok: number): Row => ({
	anon: 401,
	a: ok,
	b: 404,
	c: 404,
	stat: 401,
	coord: 401
});

export const EXPECTATIONS: Record<string, Row | Variants> = {
	// public
	'GET /(public)': all(200),
	'GET /(public)/login': all(200),
	'POST /(public)/login ?/default': all(400), // empty form: "Email or password is wrong."
	'GET /(public)/setup': all(303), // an account exists: set-up is gone, to sign-in
	'POST /(public)/setup ?/default': all(303), // the page is gone: its load sends to sign-in
	// a link that is not valid (the spec's set-up opens the raters' valid links: 303 to /rate)
	'GET /(public)/r/[token]': all(404),
	'GET /api/health': all(200), // liveness: no database, nothing about anyone

	// raters
	'GET /(rater)/rate': { ...raterCall(303), b: 303, c: 303 }, // each resumes at their first unfinished item
	'GET /(rater)/rate/[code]': raterCall(200),
	'PUT /api/rater/items/[code]/scores': raterCall(200),
	'PUT /api/rater/items/[code]/comments': raterCall(200),
	'PUT /api/rater/items/[code]/correction': raterCall(200),
	'POST /api/rater/items/[code]/time': raterCall(200),
	// error marks (A's omission mark: created by POST, changed by PUT; DELETE of none is a no-op)
	'GET /api/rater/items/[code]/marks': raterCall(200),
	'POST /api/rater/items/[code]/marks': raterCall(200),
	'PUT /api/rater/items/[code]/marks/[mark]': raterCall(200),
	'DELETE /api/rater/items/[code]/marks/[mark]': raterCall(200),
	// A's item holds one letter: a choice between two is refused (400), after the access check
	'PUT /api/rater/items/[code]/preferences': raterCall(400),

	// studies: statisticians read, only coordinators act
	'GET /(coordinator)/studies': staffPage(200, 200),
	'GET /(coordinator)/studies/[slug]': staffPage(200, 200),
	'POST /(coordinator)/studies/[slug] ?/createRound': staffCall(403, 400),
	'POST /(coordinator)/studies/[slug] ?/generate': staffCall(403, 400), // no checkpoint named
	'POST /(coordinator)/studies/[slug] ?/cancel': staffCall(403, 400), // no job named: 400 with a message
	'GET /(coordinator)/studies/[slug]/outputs/[checkpoint]': staffPage(403, 200),
	'GET /api/coordinator/studies/[slug]/generation': staffCall(200, 200),
	// study set-up in the browser: coordinators only; empty forms are refused by the action
	'GET /(coordinator)/studies/new': staffPage(403, 200),
	'POST /(coordinator)/studies/new ?/default': staffCall(403, 400),
	'GET /(coordinator)/studies/[slug]/setup': staffPage(403, 200),
	'POST /(coordinator)/studies/[slug]/setup ?/previewCases': staffCall(403, 400),
	'POST /(coordinator)/studies/[slug]/setup ?/saveCases': staffCall(403, 400),
	'POST /(coordinator)/studies/[slug]/setup ?/addManifest': staffCall(403, 400),
	'POST /(coordinator)/studies/[slug]/setup ?/uploadOutputs': staffCall(403, 400),
	'GET /(coordinator)/studies/[slug]/form': staffPage(403, 200),
	'POST /(coordinator)/studies/[slug]/form ?/default': staffCall(403, 400),
	'GET /(coordinator)/studies/[slug]/export': staffPage(403, 200),
	// the power planner: coordinators (a GET without `run` only shows the form)
	'GET /(coordinator)/studies/[slug]/power': staffPage(403, 200),

	// rounds: transitions of the unblinded round are refused (409) even to coordinators
	'GET /(coordinator)/rounds/[id]': staffPage(200, 200),
	'POST /(coordinator)/rounds/[id] ?/open': staffCall(403, 409),
	'POST /(coordinator)/rounds/[id] ?/lock': staffCall(403, 409),
	'POST /(coordinator)/rounds/[id] ?/unblind': staffCall(403, 409),
	'POST /(coordinator)/rounds/[id] ?/addRater': staffCall(403, 400),
	'POST /(coordinator)/rounds/[id] ?/reissue': staffCall(403, 404), // no rater named
	'POST /(coordinator)/rounds/[id] ?/revoke': staffCall(403, 404),
	// pre-registration: the unblinded round is opted out, the open one's plan is locked
	'POST /(coordinator)/rounds/[id] ?/savePlan': staffCall(403, 409),
	'POST /(coordinator)/rounds/[id] ?/lockPlan': staffCall(403, 409),
	'POST /(coordinator)/rounds/[id] ?/optOutPlan': staffCall(403, 400), // no reason given
	'GET /(coordinator)/rounds/[id]/analysis-plan': {
		unblinded: staffPage(409, 409), // opted out: no plan to export
		open: staffPage(200, 200)
	},
	'GET /(coordinator)/rounds/[id]/analysis': {
		unblinded: staffPage(200, 200),
		open: staffPage(409, 409) // no analysis by checkpoint before unblinding, for anyone
	},
	'GET /(coordinator)/rounds/[id]/export/[file]': {
		unblinded: staffPage(200, 200),
		open: staffPage(403, 200) // statisticians take data only once a round is unblinded
	},

	// audit log: coordinators only
	'GET /(coordinator)/audit': staffPage(403, 200),
	'GET /(coordinator)/audit/csv': staffPage(403, 200),

	// accounts
	'GET /(coordinator)/users': staffPage(403, 200),
	'POST /(coordinator)/users ?/create': staffCall(403, 400),
	'POST /(coordinator)/logout': staffCall(303, 303) // checked last: it ends the session
};
