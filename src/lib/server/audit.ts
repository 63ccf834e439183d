/**
 * Old path of audit/record.ts, kept only for files that other branches were changing when it
 * moved (issue 15): rating.ts, backup.ts, studies/setup.ts, studies/import.ts and
 * generation/job.ts, jobs.ts. Delete it once they import '…/audit/record'.
 */
export * from './audit/record';
