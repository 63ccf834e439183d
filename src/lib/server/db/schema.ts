// Over 300 lines: the whole data model, which drizzle-kit reads from one file.
/**
 * The data model. Integrity lives in the database as well as in the services: foreign keys,
 * unique keys and CHECK constraints (score range, lifecycle states) hold even for rows written
 * by hand or by a future tool. Column names are snake_case (drizzle `casing: 'snake_case'`).
 *
 * Ids are random UUIDs so that no id reveals order or count (blinding); item codes shown to
 * raters are separate, shorter random strings.
 */
import { sql, type SQL } from 'drizzle-orm';
import {
	bigint,
	bigserial,
	boolean,
	check,
	index,
	integer,
	json,
	jsonb,
	pgTable,
	primaryKey,
	real,
	type AnyPgColumn,
	smallint,
	text,
	timestamp,
	unique,
	uuid
} from 'drizzle-orm/pg-core';
import {
	ACTOR_TYPES,
	CHECKPOINT_KINDS,
	JOB_STATUSES,
	MARK_KINDS,
	OUTPUT_STATUSES,
	PAIRWISE_CHOICES,
	ROLES,
	ROUND_KINDS,
	ROUND_STATUSES
} from '../../domain/enums';
import type { RatingForm } from '../../domain/rating-form';
import type { NormalizeSettings } from '../../domain/normalize';
import type { StoredDesign } from '../../domain/round-options';
import type { AnalysisSettings } from '../../domain/study-definition';
import type { AnalysisPlan } from '../../domain/analysis-plan';
import type { LeakageReport } from '../../domain/leakage';
import type { PhiSettings } from '../../domain/phi/settings';
import { DEFAULT_TASK, type StudyTask } from '../../domain/tasks';

/**
 * `column in ('a', 'b', …)` for a check constraint, from the list the column's enum uses. The
 * values are constants of domain/enums.ts (no quotes in them), so inlining them is safe.
 */
function oneOf(column: AnyPgColumn, values: readonly string[]): SQL {
	return sql`${column} in (${sql.raw(values.map((v) => `'${v}'`).join(', '))})`;
}

const id = () => uuid().primaryKey().defaultRandom();
const createdAt = () => timestamp({ withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp({ withTimezone: true }).notNull().defaultNow();

export const studies = pgTable('studies', {
	id: id(),
	slug: text().notNull().unique(),
	name: text().notNull(),
	description: text().notNull().default(''),
	seed: text().notNull(),
	form: jsonb().$type<RatingForm>().notNull(),
	/** Pre-registered analysis settings (study.yaml `analysis:`); null means the defaults. */
	analysis: jsonb().$type<AnalysisSettings>(),
	/** The study's own normalization patterns (study.yaml `normalize:`); null means none. */
	normalize: jsonb().$type<NormalizeSettings>(),
	/** The study's analysis-plan.yaml as written: each new round's draft plan starts from it. */
	analysisPlan: text(),
	/** SHA-256 of the imported definition (study.yaml + referenced files); re-import detects change. */
	definitionHash: text().notNull().default(''),
	/** Absolute path of the study folder last imported: generation started from the UI reads it. */
	sourceDir: text(),
	/** study.yaml `phi:` (de-identified declaration, institution patterns); null means none. */
	phi: jsonb().$type<PhiSettings>(),
	/** study.yaml `tasks:` with defaults filled in (domain/tasks.ts); null: one implicit task. */
	tasks: jsonb().$type<StudyTask[]>(),
	createdAt: createdAt(),
	updatedAt: updatedAt()
});

export const cases = pgTable(
	'cases',
	{
		id: id(),
		studyId: uuid()
			.notNull()
			.references(() => studies.id, { onDelete: 'cascade' }),
		/** The case id of the study file (e.g. DEMO-01). */
		externalId: text().notNull(),
		position: integer().notNull(),
		/** json, not jsonb: raters see the fields in the order the study file gives them. */
		source: json().$type<Record<string, unknown>>().notNull(),
		reference: text(),
		/** Reference texts of a multi-task study's tasks, by name (domain/tasks.ts). */
		references: jsonb().$type<Record<string, string>>(),
		goldModality: text(),
		goldIcd10: text(),
		createdAt: createdAt(),
		updatedAt: updatedAt()
	},
	(t) => [unique().on(t.studyId, t.externalId)]
);

export const checkpoints = pgTable(
	'checkpoints',
	{
		id: id(),
		studyId: uuid()
			.notNull()
			.references(() => studies.id, { onDelete: 'cascade' }),
		name: text().notNull(),
		kind: text({ enum: CHECKPOINT_KINDS }).notNull(),
		/** For local checkpoints: the manifest file as given in study.yaml and its parsed content. */
		manifestPath: text(),
		manifest: jsonb().$type<Record<string, unknown>>(),
		/** For imported checkpoints: the outputs file as given in study.yaml. */
		outputsPath: text(),
		modelSha256: text(),
		adapters: jsonb().$type<{ path: string; scale: number; sha256?: string }[]>(),
		/** The leakage check against the checkpoint's training data at its last import; null: none named. */
		leakage: jsonb().$type<LeakageReport>(),
		createdAt: createdAt(),
		updatedAt: updatedAt()
	},
	(t) => [
		unique().on(t.studyId, t.name),
		check('checkpoints_kind_check', oneOf(t.kind, CHECKPOINT_KINDS))
	]
);

export const outputs = pgTable(
	'outputs',
	{
		id: id(),
		caseId: uuid()
			.notNull()
			.references(() => cases.id, { onDelete: 'cascade' }),
		checkpointId: uuid()
			.notNull()
			.references(() => checkpoints.id, { onDelete: 'cascade' }),
		/** The study task it answers (domain/tasks.ts); DEFAULT_TASK in a study without tasks. */
		task: text().notNull().default(DEFAULT_TASK),
		status: text({ enum: OUTPUT_STATUSES }).notNull().default('pending'),
		/** Text as produced (or imported). */
		rawText: text(),
		/** Text after blinding normalization: what raters see. */
		text: text(),
		normalization: jsonb().$type<string[]>(),
		error: text(),
		seed: integer(),
		promptTokens: integer(),
		completionTokens: integer(),
		durationMs: integer(),
		timeToFirstTokenMs: integer(),
		tokensPerSecond: real(),
		finishReason: text(),
		provenance: jsonb().$type<Record<string, unknown>>(),
		/** The generate worker holding this output while status is 'running' (host/pid/random). */
		leaseOwner: text(),
		/** A running output whose lease has expired is back in the pool (its worker died). */
		leaseExpiresAt: timestamp({ withTimezone: true }),
		/** How often a worker claimed this output: 1 for every output computed exactly once. */
		attempts: integer().notNull().default(0),
		createdAt: createdAt(),
		updatedAt: updatedAt()
	},
	(t) => [
		unique().on(t.caseId, t.checkpointId, t.task),
		check('outputs_status_check', oneOf(t.status, OUTPUT_STATUSES)),
		index().on(t.checkpointId, t.status)
	]
);

export const rounds = pgTable(
	'rounds',
	{
		id: id(),
		studyId: uuid()
			.notNull()
			.references(() => studies.id, { onDelete: 'cascade' }),
		name: text().notNull(),
		/** absolute: one letter scored on the form's scales; pairwise: two letters of one case compared. */
		kind: text({ enum: ROUND_KINDS }).notNull().default('absolute'),
		/** The study task whose outputs it rates, on that task's form (domain/tasks.ts). */
		task: text().notNull().default(DEFAULT_TASK),
		status: text({ enum: ROUND_STATUSES }).notNull().default('draft'),
		seed: text().notNull(),
		/** The form frozen at opening: later edits to the study's form do not change a round. */
		form: jsonb().$type<RatingForm>().notNull(),
		design: jsonb().$type<StoredDesign>().notNull(),
		createdAt: createdAt(),
		openedAt: timestamp({ withTimezone: true }),
		lockedAt: timestamp({ withTimezone: true }),
		unblindedAt: timestamp({ withTimezone: true })
	},
	(t) => [
		unique().on(t.studyId, t.name),
		check('rounds_status_check', oneOf(t.status, ROUND_STATUSES)),
		check('rounds_kind_check', oneOf(t.kind, ROUND_KINDS))
	]
);

export const items = pgTable(
	'items',
	{
		id: id(),
		roundId: uuid()
			.notNull()
			.references(() => rounds.id, { onDelete: 'cascade' }),
		outputId: uuid()
			.notNull()
			.references(() => outputs.id, { onDelete: 'restrict' }),
		/**
		 * Pairwise rounds: the output shown on the right (`outputId` is on the left). Such an item
		 * is one comparison of one rater, so each side is that rater's own randomized side.
		 */
		rightOutputId: uuid().references(() => outputs.id, { onDelete: 'restrict' }),
		/**
		 * A repeated showing (for intra-rater agreement): the item shown first. The repeat is the
		 * same output under a new code, assigned only to the rater who saw the first showing.
		 */
		repeatOfItemId: uuid().references((): AnyPgColumn => items.id, { onDelete: 'cascade' }),
		/** Opaque random code shown to raters; never derived from ids. */
		code: text().notNull().unique(),
		createdAt: createdAt()
	},
	(t) => [
		index().on(t.roundId),
		check(
			'items_pair_check',
			sql`${t.rightOutputId} is null or ${t.rightOutputId} <> ${t.outputId}`
		)
	]
);

export const raters = pgTable(
	'raters',
	{
		id: id(),
		studyId: uuid()
			.notNull()
			.references(() => studies.id, { onDelete: 'cascade' }),
		/** Shown in exports instead of the name (R01, R02, ...). */
		pseudonym: text().notNull(),
		name: text().notNull(),
		email: text(),
		/** SHA-256 of the secret link token; the token itself is never stored. */
		tokenHash: text().notNull().unique(),
		revokedAt: timestamp({ withTimezone: true }),
		lastActiveAt: timestamp({ withTimezone: true }),
		createdAt: createdAt()
	},
	(t) => [unique().on(t.studyId, t.pseudonym)]
);

/**
 * The raters taking part in a round. Needed before any assignment exists: balanced and pairwise
 * designs are built over all of a round's raters at once when it opens.
 */
export const roundRaters = pgTable(
	'round_raters',
	{
		roundId: uuid()
			.notNull()
			.references(() => rounds.id, { onDelete: 'cascade' }),
		raterId: uuid()
			.notNull()
			.references(() => raters.id, { onDelete: 'cascade' }),
		createdAt: createdAt()
	},
	(t) => [primaryKey({ columns: [t.roundId, t.raterId] })]
);

export const assignments = pgTable(
	'assignments',
	{
		id: id(),
		roundId: uuid()
			.notNull()
			.references(() => rounds.id, { onDelete: 'cascade' }),
		raterId: uuid()
			.notNull()
			.references(() => raters.id, { onDelete: 'cascade' }),
		itemId: uuid()
			.notNull()
			.references(() => items.id, { onDelete: 'cascade' }),
		position: integer().notNull(),
		startedAt: timestamp({ withTimezone: true }),
		completedAt: timestamp({ withTimezone: true }),
		/** Seconds the rater's page was open and visible on this item, summed over visits. */
		secondsOnItem: integer().notNull().default(0),
		createdAt: createdAt()
	},
	(t) => [
		unique().on(t.raterId, t.itemId),
		unique().on(t.roundId, t.raterId, t.position),
		check('assignments_position_check', sql`${t.position} >= 0`)
	]
);

export const ratings = pgTable(
	'ratings',
	{
		id: id(),
		assignmentId: uuid()
			.notNull()
			.references(() => assignments.id, { onDelete: 'cascade' }),
		dimension: text().notNull(),
		score: smallint().notNull(),
		createdAt: createdAt(),
		updatedAt: updatedAt()
	},
	(t) => [
		unique().on(t.assignmentId, t.dimension),
		// The widest range of any scale (domain/scales.ts: yes/no is 0–1, points go up to 7); the
		// save path checks each score against its dimension's own scale.
		check('ratings_score_check', sql`${t.score} between 0 and 7`)
	]
);

/** Pairwise rounds: which letter the rater found better on a dimension, or a tie. */
export const preferences = pgTable(
	'preferences',
	{
		id: id(),
		assignmentId: uuid()
			.notNull()
			.references(() => assignments.id, { onDelete: 'cascade' }),
		dimension: text().notNull(),
		choice: text({ enum: PAIRWISE_CHOICES }).notNull(),
		createdAt: createdAt(),
		updatedAt: updatedAt()
	},
	(t) => [
		unique().on(t.assignmentId, t.dimension),
		check('preferences_choice_check', oneOf(t.choice, PAIRWISE_CHOICES))
	]
);

export const comments = pgTable(
	'comments',
	{
		id: id(),
		assignmentId: uuid()
			.notNull()
			.references(() => assignments.id, { onDelete: 'cascade' }),
		/** A dimension key, or '' for the overall comment (not null so the unique key holds). */
		dimension: text().notNull().default(''),
		body: text().notNull(),
		createdAt: createdAt(),
		updatedAt: updatedAt()
	},
	(t) => [unique().on(t.assignmentId, t.dimension)]
);

export const corrections = pgTable('corrections', {
	id: id(),
	assignmentId: uuid()
		.notNull()
		.unique()
		.references(() => assignments.id, { onDelete: 'cascade' }),
	body: text().notNull(),
	createdAt: createdAt(),
	updatedAt: updatedAt()
});

/**
 * A rater's error mark on a letter (domain/marks.ts): a passage, as offsets into the letter text
 * exactly as displayed (UTF-16 code units, end exclusive) with the quoted text, or an omission
 * naming a source field. `client_id` is chosen by the rater's browser, so a create sent again
 * after a lost response finds the mark it made instead of adding a second one.
 */
export const marks = pgTable(
	'marks',
	{
		id: id(),
		assignmentId: uuid()
			.notNull()
			.references(() => assignments.id, { onDelete: 'cascade' }),
		clientId: uuid().notNull(),
		kind: text({ enum: MARK_KINDS }).notNull(),
		start: integer(),
		end: integer(),
		quote: text(),
		/** An omission's source field, as a dotted path into the case source. */
		field: text(),
		category: text().notNull(),
		note: text().notNull().default(''),
		/** Named scales of domain/scales.ts: harm-extent and harm-likelihood (1–3), or not graded. */
		harmExtent: smallint(),
		harmLikelihood: smallint(),
		createdAt: createdAt(),
		updatedAt: updatedAt()
	},
	(t) => [
		unique().on(t.assignmentId, t.clientId),
		check('marks_kind_check', oneOf(t.kind, MARK_KINDS)),
		check(
			'marks_shape_check',
			sql`(${t.kind} = 'span' and ${t.start} >= 0 and ${t.end} > ${t.start} and ${t.quote} is not null and ${t.field} is null)
				or (${t.kind} = 'omission' and ${t.start} is null and ${t.end} is null and ${t.quote} is null and ${t.field} is not null)`
		),
		check('marks_harm_extent_check', sql`${t.harmExtent} between 1 and 3`),
		check('marks_harm_likelihood_check', sql`${t.harmLikelihood} between 1 and 3`)
	]
);

export const users = pgTable(
	'users',
	{
		id: id(),
		email: text().notNull().unique(),
		name: text().notNull(),
		role: text({ enum: ROLES }).notNull().default('coordinator'),
		/** scrypt (memory-hard) in the self-describing format of auth/password.ts. */
		passwordHash: text().notNull(),
		createdAt: createdAt()
	},
	(t) => [check('users_role_check', oneOf(t.role, ROLES))]
);

export const sessions = pgTable('sessions', {
	/** SHA-256 of the session cookie value. */
	id: text().primaryKey(),
	userId: uuid()
		.notNull()
		.references(() => users.id, { onDelete: 'cascade' }),
	expiresAt: timestamp({ withTimezone: true }).notNull(),
	createdAt: createdAt()
});

export const auditLog = pgTable(
	'audit_log',
	{
		id: bigserial({ mode: 'number' }).primaryKey(),
		at: timestamp({ withTimezone: true }).notNull().defaultNow(),
		actorType: text({ enum: ACTOR_TYPES }).notNull(),
		actorId: text(),
		action: text().notNull(),
		entity: text().notNull(),
		entityId: text(),
		studyId: uuid(),
		before: jsonb(),
		after: jsonb()
	},
	(t) => [index().on(t.studyId, t.at), index().on(t.entity, t.entityId)]
);

/**
 * Generation jobs, one per `generate` run (CLI or UI) and checkpoint: live progress for the
 * coordinator UI, cancellation, and a heartbeat so a job whose process died is seen as such.
 */
export const generationJobs = pgTable(
	'generation_jobs',
	{
		id: id(),
		studyId: uuid()
			.notNull()
			.references(() => studies.id, { onDelete: 'cascade' }),
		checkpointId: uuid()
			.notNull()
			.references(() => checkpoints.id, { onDelete: 'cascade' }),
		worker: text().notNull(),
		status: text({ enum: JOB_STATUSES }).notNull().default('running'),
		done: integer().notNull().default(0),
		errors: integer().notNull().default(0),
		total: integer().notNull().default(0),
		tokensPerSecond: real(),
		etaSeconds: integer(),
		message: text(),
		cancelRequested: boolean().notNull().default(false),
		startedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
		heartbeatAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
		finishedAt: timestamp({ withTimezone: true })
	},
	(t) => [
		index().on(t.studyId, t.startedAt),
		check('generation_jobs_status_check', oneOf(t.status, JOB_STATUSES))
	]
);

/** SHA-256 of model and adapter files, cached by path, size and mtime (models are gigabytes). */
export const fileDigests = pgTable('file_digests', {
	path: text().primaryKey(),
	size: bigint({ mode: 'number' }).notNull(),
	mtimeMs: bigint({ mode: 'number' }).notNull(),
	sha256: text().notNull(),
	computedAt: timestamp({ withTimezone: true }).notNull().defaultNow()
});

/**
 * A round's pre-registered analysis plan (issue 13): a draft until locked; once locked its
 * SHA-256 (over the canonical JSON) is fixed and the row never changes again. A round may
 * instead record an explicit opt-out. Unblinding needs one or the other (rounds.ts).
 */
export const analysisPlans = pgTable(
	'analysis_plans',
	{
		roundId: uuid()
			.primaryKey()
			.references(() => rounds.id, { onDelete: 'cascade' }),
		status: text({ enum: ['draft', 'locked', 'opted-out'] })
			.notNull()
			.default('draft'),
		/** The validated plan (domain/analysis-plan.ts); null for an opt-out. */
		plan: jsonb().$type<AnalysisPlan>(),
		/** The YAML (or JSON) as written, kept for display and export. */
		source: text(),
		/** SHA-256 of the canonical JSON of `plan`, set when locked. */
		sha256: text(),
		lockedAt: timestamp({ withTimezone: true }),
		optOutReason: text(),
		updatedAt: updatedAt()
	},
	(t) => [
		check('analysis_plans_status_check', sql`${t.status} in ('draft', 'locked', 'opted-out')`),
		check(
			'analysis_plans_locked_check',
			sql`${t.status} <> 'locked' or (${t.sha256} is not null and ${t.lockedAt} is not null)`
		)
	]
);
