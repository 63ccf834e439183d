/**
 * A rating day, for the load benchmark (tests/bench/rating-day.ts) and the fault tests
 * (tests/integration/faults.test.ts): the demo study with an open round and N raters, each with
 * their own link; a plan of every change each rater makes (every score of every letter, comments
 * and corrected letters for some, a changed score for some); raters that send their plan to the
 * production server over HTTP as the rating page does; and the check that what the server
 * acknowledged is in the database exactly once, with the last value sent for every field.
 */
import path from 'node:path';
import { and, eq, inArray, like, or, sql } from 'drizzle-orm';
import { CLI } from '../../src/lib/server/auth/actors';
import type { Db } from '../../src/lib/server/db';
import {
	assignments,
	auditLog,
	comments,
	corrections,
	items,
	raters,
	ratings
} from '../../src/lib/server/db/schema';
import * as rounds from '../../src/lib/server/rounds';
import { importStudy } from '../../src/lib/server/studies/import';
import { loadStudy } from '../../src/lib/server/studies/loader';
import type { LoadClient } from './load-client';

const CHECKPOINTS = ['llama3-8b-instruct', 'llama3-8b-qlora-letters'];

export interface RaterSetup {
	pseudonym: string;
	token: string;
	/** The rater's item codes in their order. */
	codes: string[];
}

export interface RatingDay {
	studyId: string;
	roundId: string;
	dimensions: string[];
	raters: RaterSetup[];
}

/**
 * Imports the demo study, creates a fully crossed round over its two imported checkpoints (28
 * letters), adds `raterCount` raters and opens the round, through the app's own services.
 */
export async function prepareRatingDay(db: Db, raterCount: number): Promise<RatingDay> {
	const study = await importStudy(db, CLI, loadStudy(path.resolve('studies/demo')));
	const round = await rounds.create(db, CLI, {
		studyId: study.studyId,
		name: `Rating day ${Date.now()}`,
		checkpointNames: CHECKPOINTS,
		seed: 'rating-day'
	});
	const added: { raterId: string; pseudonym: string; token: string }[] = [];
	for (let i = 0; i < raterCount; i++)
		added.push(await rounds.addRater(db, CLI, round.id, { name: `Load rater ${i + 1}` }));
	const opened = await rounds.transition(db, CLI, round.id, 'open');
	const rows = await db
		.select({ raterId: assignments.raterId, code: items.code, position: assignments.position })
		.from(assignments)
		.innerJoin(items, eq(items.id, assignments.itemId))
		.where(eq(assignments.roundId, round.id))
		.orderBy(assignments.raterId, assignments.position);
	const codes = new Map<string, string[]>();
	for (const r of rows) codes.set(r.raterId, [...(codes.get(r.raterId) ?? []), r.code]);
	return {
		studyId: study.studyId,
		roundId: round.id,
		dimensions: opened.form.dimensions.map((d) => d.key),
		raters: added.map((a) => ({
			pseudonym: a.pseudonym,
			token: a.token,
			codes: codes.get(a.raterId) ?? []
		}))
	};
}

/** One change a rater makes: the request the rating page sends for it, and what it sets. */
export interface PlannedSave {
	/** `<code> score:<dimension>`, `<code> comment:<dimension>` or `<code> correction`. */
	field: string;
	path: string;
	body: Record<string, unknown>;
	value: number | string;
}

/** A small deterministic hash, so every run plans the same changes. */
function hash(...parts: (string | number)[]): number {
	let h = 2166136261;
	for (const c of parts.join('|')) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
	return h;
}

/**
 * Everything one rater sends, in order: every score of each of their letters (the first
 * `letters`, or all); on every fourth letter an overall comment and a comment on one
 * dimension; on every seventh a corrected letter; on every fifth a first score changed
 * afterwards (a correction of a score). Consecutive values of one field always differ, and
 * every text is unique, so the audit log shows each change once.
 */
export function planSaves(
	day: RatingDay,
	rater: RaterSetup,
	index: number,
	letters = Infinity
): PlannedSave[] {
	const saves: PlannedSave[] = [];
	const dims = day.dimensions;
	rater.codes.slice(0, letters).forEach((code, j) => {
		const base = `/api/rater/items/${code}`;
		const score = (dim: string, value: number) =>
			saves.push({
				field: `${code} score:${dim}`,
				path: `${base}/scores`,
				body: { dimension: dim, score: value, rater: rater.pseudonym },
				value
			});
		const comment = (dim: string, body: string) =>
			saves.push({
				field: `${code} comment:${dim}`,
				path: `${base}/comments`,
				body: { dimension: dim, body, rater: rater.pseudonym },
				value: body
			});
		const first = new Map<string, number>();
		for (const dim of dims) {
			const value = 1 + (hash(index, code, dim) % 4);
			first.set(dim, value);
			score(dim, value);
		}
		if ((j + index) % 4 === 0) {
			comment('', `Overall, ${rater.pseudonym} on ${code}: clear — „gut lesbar“, 1, "2"`);
			comment(dims[j % dims.length]!, `${rater.pseudonym}/${code}: dose line checked\nok`);
		}
		if ((j + index) % 7 === 0) {
			const body = `Corrected by ${rater.pseudonym} (${code}).\n\nDear colleague, …`;
			saves.push({
				field: `${code} correction`,
				path: `${base}/correction`,
				body: { body, rater: rater.pseudonym },
				value: body
			});
		}
		if ((j + index) % 5 === 0) {
			const dim = dims[0]!;
			score(dim, (first.get(dim)! % 4) + 1);
		}
	});
	return saves;
}

/** 401, 403, 408, 429 and 5xx may pass later, as in the rating page (src/lib/rater/persistent-queue.svelte.ts). */
export function mayPassLater(status: number): boolean {
	return status === 401 || status === 403 || status === 408 || status === 429 || status >= 500;
}

export interface RaterRun {
	/** Each save request's latency (ms), answered or not. */
	latencies: number[];
	/** When each of those was scheduled (or sent), wall clock ms: to line slow ones up (--trace). */
	sentAt: number[];
	/** Planned saves that got a 2xx, by field: the values in the order sent. */
	acked: Map<string, (number | string)[]>;
	acknowledged: number;
	/** Answers other than 2xx, and requests without an answer (connection refused or reset). */
	errors: number;
	/** Those errors by status (0: no answer), the rater link's included. */
	errorStatuses: Map<number, number>;
	/** Saves refused for good (a 4xx that cannot pass later): never expected here. */
	refused: number;
}

export function newRun(): RaterRun {
	return {
		latencies: [],
		sentAt: [],
		acked: new Map(),
		acknowledged: 0,
		errors: 0,
		errorStatuses: new Map(),
		refused: 0
	};
}

function countError(run: RaterRun, status: number): void {
	run.errors++;
	run.errorStatuses.set(status, (run.errorStatuses.get(status) ?? 0) + 1);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Opens the rater's link (which sets the rater cookie, as in the browser), then sends every
 * planned save in order, one at a time and with no think time, as the page's queue does: a
 * save without an answer, or with an answer that may pass later, is sent again after
 * `retryMs` until the server acknowledges it. `stop()` ends the run early (between saves).
 */
export async function runRater(
	client: LoadClient,
	rater: RaterSetup,
	saves: PlannedSave[],
	run: RaterRun,
	opts: {
		retryMs: number;
		onAck?: () => void;
		stop?: () => boolean;
		/** Open-loop pacing (see pacer): waits for the request's slot and returns its time. */
		pace?: () => Promise<number>;
		/** Awaited once the link is open, before the first save (driveRaters' start line). */
		opened?: () => Promise<void>;
	}
): Promise<void> {
	let cookie = '';
	for (;;) {
		const r = await client.request('GET', `/r/${rater.token}`);
		const set = r.headers?.['set-cookie']?.find((c) => c.startsWith('be_rater='));
		if (r.status === 303 && set) {
			cookie = set.split(';')[0]!;
			break;
		}
		countError(run, r.status);
		if (r.status && !mayPassLater(r.status)) throw new Error(`the rater link answered ${r.status}`);
		await sleep(opts.retryMs);
	}
	await opts.opened?.();
	for (const save of saves) {
		if (opts.stop?.()) return;
		for (;;) {
			const scheduled = opts.pace ? await opts.pace() : undefined;
			const r = await client.request('PUT', save.path, save.body, cookie);
			const ms = scheduled === undefined ? r.ms : performance.now() - scheduled;
			run.latencies.push(ms);
			run.sentAt.push(performance.timeOrigin + performance.now() - ms);
			if (r.status >= 200 && r.status < 300) {
				run.acknowledged++;
				run.acked.set(save.field, [...(run.acked.get(save.field) ?? []), save.value]);
				opts.onAck?.();
				break;
			}
			countError(run, r.status);
			if (r.status && !mayPassLater(r.status)) {
				run.refused++;
				break;
			}
			await sleep(opts.retryMs);
		}
	}
}

export interface Verdict {
	/** Saves the server answered with a 2xx. */
	acknowledged: number;
	/** Acknowledged saves found in the audit log exactly once, in the order sent. */
	stored: number;
	/** Acknowledged saves missing from the audit log or the final state. */
	lost: number;
	/** Audit rows (or table rows) beyond one per save. */
	duplicated: number;
	/** Fields whose value in the database is not the last value sent. */
	wrongFinal: number;
}

type Value = number | string | null;

/**
 * Checks the database against what the server acknowledged. For each field, the audit rows of
 * its changes (in commit order) must be the values sent, each once; a save that was committed
 * but whose answer was lost is sent again and, being idempotent, adds no row. The ratings,
 * comments and corrections tables must hold the last value sent for every field.
 */
export async function verify(
	db: Db,
	day: RatingDay,
	plans: { rater: RaterSetup; saves: PlannedSave[] }[],
	runs: RaterRun[]
): Promise<Verdict> {
	const rows = await db
		.select({
			id: assignments.id,
			pseudonym: raters.pseudonym,
			code: items.code
		})
		.from(assignments)
		.innerJoin(raters, eq(raters.id, assignments.raterId))
		.innerJoin(items, eq(items.id, assignments.itemId))
		.where(eq(assignments.roundId, day.roundId));
	const byAssignment = new Map(rows.map((r) => [r.id, `${r.pseudonym} ${r.code}`]));
	const ids = rows.map((r) => r.id);

	const audit = await db
		.select({ entityId: auditLog.entityId, action: auditLog.action, after: auditLog.after })
		.from(auditLog)
		.where(
			and(
				eq(auditLog.studyId, day.studyId),
				eq(auditLog.entity, 'assignment'),
				or(
					like(auditLog.action, 'rating.%'),
					like(auditLog.action, 'comment.%'),
					like(auditLog.action, 'correction.%')
				)
			)
		)
		.orderBy(auditLog.id);
	const history = new Map<string, Value[]>();
	for (const a of audit) {
		const after = a.after as { dimension?: string; score?: number; body?: string } | null;
		const kind = a.action.split('.')[0];
		const dim = after?.dimension ?? '';
		const field =
			kind === 'rating' ? `score:${dim}` : kind === 'comment' ? `comment:${dim}` : 'correction';
		const key = `${byAssignment.get(a.entityId ?? '')} ${field}`;
		const value = kind === 'rating' ? (after?.score ?? null) : (after?.body ?? null);
		history.set(key, [...(history.get(key) ?? []), value]);
	}

	const final = new Map<string, Value>();
	const chunks = [];
	for (let i = 0; i < ids.length; i += 1000) chunks.push(ids.slice(i, i + 1000));
	let tableDuplicates = 0;
	for (const chunk of chunks) {
		for (const r of await db.select().from(ratings).where(inArray(ratings.assignmentId, chunk)))
			final.set(`${byAssignment.get(r.assignmentId)} score:${r.dimension}`, r.score);
		for (const c of await db.select().from(comments).where(inArray(comments.assignmentId, chunk)))
			final.set(`${byAssignment.get(c.assignmentId)} comment:${c.dimension}`, c.body);
		for (const c of await db
			.select()
			.from(corrections)
			.where(inArray(corrections.assignmentId, chunk)))
			final.set(`${byAssignment.get(c.assignmentId)} correction`, c.body);
		// The unique keys forbid doubled rows; counted anyway, since this is what "doubled" means.
		const [r] = await db
			.select({
				n: sql<number>`(count(*) - count(distinct (${ratings.assignmentId}, ${ratings.dimension})))::int`
			})
			.from(ratings)
			.where(inArray(ratings.assignmentId, chunk));
		const [c] = await db
			.select({
				n: sql<number>`(count(*) - count(distinct (${comments.assignmentId}, ${comments.dimension})))::int`
			})
			.from(comments)
			.where(inArray(comments.assignmentId, chunk));
		tableDuplicates += Number(r?.n ?? 0) + Number(c?.n ?? 0);
	}

	const verdict: Verdict = {
		acknowledged: 0,
		stored: 0,
		lost: 0,
		duplicated: tableDuplicates,
		wrongFinal: 0
	};
	const seen = new Set<string>();
	plans.forEach(({ rater }, i) => {
		for (const [field, sent] of runs[i]!.acked) {
			const key = `${rater.pseudonym} ${field}`;
			seen.add(key);
			verdict.acknowledged += sent.length;
			const rows = history.get(key) ?? [];
			let p = 0;
			for (const v of rows) {
				if (p < sent.length && v === sent[p]) {
					verdict.stored++;
					p++;
				} else verdict.duplicated++;
			}
			verdict.lost += sent.length - p;
			if (final.get(key) !== sent[sent.length - 1]) verdict.wrongFinal++;
		}
	});
	// Changes the server recorded that no rater had acknowledged (e.g. committed, then killed,
	// and never sent again) would show here as extra rows: none are expected with retrying raters.
	for (const [key, rows] of history) if (!seen.has(key)) verdict.duplicated += rows.length;
	return verdict;
}

/**
 * Slots for an open-loop run at `rate` requests/s from the first call: the k-th call waits until
 * start + k/rate and returns that time. Latency is then measured from the slot, not from when a connection was
 * free, so a server that falls behind shows it in the latency (no coordinated omission).
 */
export function pacer(rate: number): () => Promise<number> {
	let start: number | undefined; // the first call's time
	let k = 0;
	return async () => {
		start ??= performance.now();
		const at = start + (k++ * 1000) / rate;
		const wait = at - performance.now();
		if (wait > 0) await sleep(wait);
		return at;
	};
}

/** Latency percentiles (ms) of a list of samples. */
export function percentiles(ms: number[]): { p50: number; p95: number; p99: number } {
	const s = Float64Array.from(ms).sort();
	const at = (q: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : 0);
	return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

/**
 * Runs every rater's plan at once through `client` and waits for all of them. `onAck` is called
 * after each acknowledged save with the running count (fault injection hooks in there).
 */
export async function driveRaters(
	client: LoadClient,
	plans: { rater: RaterSetup; saves: PlannedSave[] }[],
	opts: { retryMs: number; onAck?: (acked: number) => void; pace?: () => Promise<number> }
): Promise<{ runs: RaterRun[]; seconds: number }> {
	const runs = plans.map(() => newRun());
	let acked = 0;
	let started = performance.now();
	// Open loop: every rater's link is opened first, then the paced saves start, all at once (a
	// save scheduled while 200 links were still being opened measured that burst, not saves).
	let waiting = plans.length;
	let go = () => {};
	const allOpened = new Promise<void>((resolve) => (go = resolve));
	const opened = async () => {
		if (--waiting === 0) {
			started = performance.now();
			go();
		}
		await allOpened;
	};
	await Promise.all(
		plans.map((p, i) =>
			runRater(client, p.rater, p.saves, runs[i]!, {
				retryMs: opts.retryMs,
				pace: opts.pace,
				opened: opts.pace ? opened : undefined,
				onAck: () => opts.onAck?.(++acked)
			})
		)
	);
	return { runs, seconds: (performance.now() - started) / 1000 };
}
