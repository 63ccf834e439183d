/**
 * The value lists of the schema's text columns, written once. db/schema.ts builds each column and
 * its check constraint from these; the TypeScript types below and the zod schemas that accept the
 * same values (audit-query.ts) derive from them. Pure, so pages and domain code can use them too.
 * Adding a value needs a migration (the check constraints): `npm run db:generate`.
 */
export const CHECKPOINT_KINDS = ['local', 'imported'] as const;
export type CheckpointKind = (typeof CHECKPOINT_KINDS)[number];

export const OUTPUT_STATUSES = ['pending', 'running', 'done', 'error'] as const;
export type OutputStatus = (typeof OUTPUT_STATUSES)[number];

export const ROUND_KINDS = ['absolute', 'pairwise'] as const;
export type RoundKind = (typeof ROUND_KINDS)[number];

export const ROUND_STATUSES = ['draft', 'open', 'locked', 'unblinded'] as const;
export type RoundStatus = (typeof ROUND_STATUSES)[number];

/** A pairwise judgement: which side is better, or a tie. */
export const PAIRWISE_CHOICES = ['left', 'right', 'tie'] as const;
export type PairwiseChoice = (typeof PAIRWISE_CHOICES)[number];

/** A rater's error mark: a passage of the letter, or a source field the letter leaves out. */
export const MARK_KINDS = ['span', 'omission'] as const;
export type MarkKind = (typeof MARK_KINDS)[number];

/** Roles of signed-in users (raters have links, not accounts); permissions in auth/access.ts. */
export const ROLES = ['coordinator', 'statistician'] as const;
export type Role = (typeof ROLES)[number];

/** Who an audit row names as its author. */
export const ACTOR_TYPES = ['user', 'rater', 'cli', 'system'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

export const JOB_STATUSES = ['running', 'done', 'failed', 'cancelled', 'interrupted'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
