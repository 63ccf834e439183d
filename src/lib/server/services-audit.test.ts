/**
 * Every mutating service function takes an actor and writes an audit row (issue 15). The
 * functions are found by reading the exports of every module under src/lib/server with the
 * TypeScript parser, not from a hand-kept list: a new exported function whose name is a verb of
 * change is checked as soon as it exists. "Writes an audit row" means its body, or a function of
 * the same module that it calls (transitively), calls `audit.record(`.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SERVER = path.resolve(__dirname);

/** Names that say a function changes stored data. */
const CHANGE_VERB =
	/^(create|update|set|add|remove|revoke|reissue|delete|import|upsert|insert|save|transition|advance|open|lock|unblind|cancel|request|start|finish|mark|claim|release|restore|rename|change|reset|edit|ensure|assign|write|record|generate|sign|stop|clear|store|drop|prune|purge|close|approve|reject|grant|invite|archive)[A-Z_]?/;

/**
 * Mutating exports that are deliberately not "actor + audit row", each with its reason. Keys are
 * `<path under src/lib/server>#<name>`.
 */
const EXCEPTIONS: Record<string, string> = {
	'app-db.ts#startDatabase': 'opens the connection and runs migrations at start-up; no data change',
	'app-db.ts#stopDatabase': 'closes the connection at shut-down',
	'db/index.ts#openDatabase': 'opens a connection',
	'assign.ts#insertBatched': 'helper inside rounds.create, which takes the actor and audits',
	'assign.ts#assignRaters': 'helper inside rounds.create / addRater, which audit',
	'audit/record.ts#record': 'writes the audit row itself',
	'auth/users.ts#createFirst':
		'the first account, made before anyone can sign in: audited with the new user as its actor',
	'auth/users.ts#signIn': 'a session, not study data; attempts are limited in auth/rate-limit.ts',
	'auth/users.ts#signOut': 'ends a session, not study data',
	'demo.ts#setUpDemo': 'the demo: calls the audited services with the CLI actor',
	'studies/study-folder.ts#writeStudyFolder': 'writes files from the database; changes no rows',
	'generation/background.ts#stopAll': 'stops running jobs at shut-down; their rows say so',
	'generation/gguf-writer.ts#writeGguf': 'writes a model file for tests; no database',
	'generation/tiny-model.ts#writeTinyManifests': 'writes manifest files for tests; no database',
	'generation/jobs.ts#start':
		'a step inside prepareGeneration().run(), whose caller passes the actor; run() writes the generation.run / generation.cancel audit row when the job ends',
	'generation/jobs.ts#finish':
		'the job ends itself inside run(), which then writes the audit row with its actor',
	'generation/jobs.ts#markInterrupted': 'start-up repair of stale jobs by the system',
	'generation/leases.ts#claim': 'a worker lease on a checkpoint, not study data',
	'generation/leases.ts#release': 'a worker lease on a checkpoint, not study data',
	'generation/background.ts#startInBackground':
		'takes the actor and hands it to prepareGeneration: importStudy audits the import, run() audits the generation when it ends (a closure this check cannot follow)',
	'generation/job.ts#generateStudy':
		'takes the actor; as startInBackground, the audit rows come from importStudy and from run() (a closure this check cannot follow)',
	'backup/restore.ts#restoreBackup':
		'only the CLI restores: its audit row names the CLI actor without a parameter',
	'backup/writer.ts#writeBackup': 'reads the database into a file; changes no rows',
	'rating.ts#saveScore':
		'audited inside its one SQL statement (the `logged` step of saveAnswer inserts the audit row, for speed), not through audit.record; tests/integration/rating-save.test.ts checks the row',
	'rating.ts#savePreference': 'as saveScore, for pairwise choices',
	'studies/import-cases.ts#upsertCases':
		'helper inside importStudy and setup.saveCases, which audit',
	'studies/import-outputs.ts#upsertCheckpoint':
		'helper inside importStudy and the outputs import (outputs/import-file.ts), which audit',
	'studies/import-outputs.ts#upsertImported':
		'helper inside importStudy and the outputs import (outputs/import-file.ts), which audit',
	'studies/import-outputs.ts#ensurePending':
		'helper inside importStudy and setup.saveCases, which audit',
	'outputs/import-file.ts#importOutputsFile':
		'takes the actor; its audit row is written by studies/record-import.ts#recordStudyImport (another module, which this check does not follow)',
	'outputs/import-file.ts#importOutputsText': 'as importOutputsFile',
	'studies/setup.ts#saveCases':
		'takes the actor; its audit row (cases.upload) is written by studies/record-import.ts#recordStudyImport, as importOutputsFile',
	'outputs/queries.ts#finishedOutputs':
		'a read query (the outputs that are finished); its name only begins like the verb "finish"',
	'stall-trace.ts#startStallTrace':
		'benchmark diagnostics behind BLINDEVAL_STALL_TRACE: writes GC and event-loop timings to a file, no data'
};

interface Exported {
	key: string;
	params: { name: string; type: string }[];
	audits: boolean;
}

function sourceFiles(dir: string): string[] {
	return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) return sourceFiles(full);
		return /\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [full] : [];
	});
}

const isExported = (node: ts.Node) =>
	ts.canHaveModifiers(node) &&
	(ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** The exported functions of one module, and whether each reaches `audit.record(`. */
function exportsOf(file: string): Exported[] {
	const text = fs.readFileSync(file, 'utf8');
	const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
	const functions = new Map<string, ts.SignatureDeclaration & { body?: ts.Node }>();
	const exported = new Set<string>();
	for (const statement of source.statements) {
		if (ts.isFunctionDeclaration(statement) && statement.name) {
			functions.set(statement.name.text, statement);
			if (isExported(statement)) exported.add(statement.name.text);
		}
		if (ts.isVariableStatement(statement))
			for (const d of statement.declarationList.declarations)
				if (
					ts.isIdentifier(d.name) &&
					d.initializer &&
					(ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer))
				) {
					functions.set(d.name.text, d.initializer);
					if (isExported(statement)) exported.add(d.name.text);
				}
	}
	const calls = (body: ts.Node | undefined) => {
		const names = new Set<string>();
		const visit = (n: ts.Node) => {
			if (ts.isCallExpression(n) && ts.isIdentifier(n.expression)) names.add(n.expression.text);
			ts.forEachChild(n, visit);
		};
		if (body) visit(body);
		return names;
	};
	const audits = (name: string, seen = new Set<string>()): boolean => {
		if (seen.has(name)) return false;
		seen.add(name);
		const body = functions.get(name)?.body;
		if (!body) return false;
		if (/\baudit\.record\(/.test(body.getText(source))) return true;
		return [...calls(body)].some((callee) => functions.has(callee) && audits(callee, seen));
	};
	const rel = path.relative(SERVER, file).split(path.sep).join('/');
	return [...exported].map((name) => ({
		key: `${rel}#${name}`,
		params: functions.get(name)!.parameters.map((p) => ({
			name: p.name.getText(source),
			type: p.type?.getText(source) ?? ''
		})),
		audits: audits(name)
	}));
}

const mutating = sourceFiles(SERVER)
	.flatMap(exportsOf)
	.filter((f) => CHANGE_VERB.test(f.key.split('#')[1]!));

describe('mutating services take an actor and write an audit row', () => {
	it('finds the services it is meant to check', () => {
		const keys = mutating.map((f) => f.key);
		for (const known of ['rounds.ts#create', 'rounds/raters.ts#revokeLink', 'auth/users.ts#create'])
			expect(keys).toContain(known);
	});

	it.each(mutating.filter((f) => !(f.key in EXCEPTIONS)).map((f) => [f.key, f] as const))(
		'%s',
		(_, f) => {
			const takesActor = f.params.some((p) => /\b\w*Actor\b/.test(p.type));
			expect(takesActor, `${f.key} takes no Actor parameter`).toBe(true);
			expect(f.audits, `${f.key} never calls audit.record`).toBe(true);
		}
	);

	it('every exception names a mutating export that exists', () => {
		const byKey = new Map(mutating.map((f) => [f.key, f]));
		for (const key of Object.keys(EXCEPTIONS)) expect(byKey.has(key), key).toBe(true);
	});
});
