/**
 * Old path of study-folder.ts, kept only for src/cli/main.ts, which another branch was changing
 * when it moved (issue 15). Delete it once the CLI imports '../lib/server/studies/study-folder'.
 */
export * from './study-folder';
