/**
 * Old path of round-analysis.ts, kept only for src/cli/main.ts, which another branch was changing
 * when it moved (issue 15). Delete it once the CLI imports '../lib/server/round-analysis'.
 */
export * from './round-analysis';
