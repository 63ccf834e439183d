// Over 300 lines: the table of commands; each command is a few lines that call a service.
/**
 * blindeval's command line: the same services the web app uses. Run with `npm run cli -- <command>`.
 * Exit codes: 0 done, 1 the input or state was wrong (message printed), 2 usage error.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROLES } from '../lib/domain/enums';
import { describeDesign, parseRoundOptions } from '../lib/domain/round-options';
import { ConflictError, ValidationError } from '../lib/errors';
import { anyRoundAnalysis, roundReport } from '../lib/server/round-analysis';
import { CLI } from '../lib/server/auth/actors';
import * as users from '../lib/server/auth/users';
import { readBackupHeader, restoreBackup, writeBackup } from '../lib/server/backup';
import { readConfig } from '../lib/server/config';
import { openDatabase, type Database } from '../lib/server/db';
import { setUpDemo } from '../lib/server/demo';
import * as exportsService from '../lib/server/exports';
import { roundAcceptabilityCsv, roundMetricsCsv } from '../lib/server/metric-exports';
import { generateStudy } from '../lib/server/generation/job';
import * as rounds from '../lib/server/rounds';
import * as analysisPlans from '../lib/server/analysis-plans';
import { fileText, placesOf } from '../lib/server/studies/files';
import { importOutputsFile } from '../lib/server/outputs/import-file';
import { writeStudyFolder } from '../lib/server/studies/study-folder';
import { importStudy } from '../lib/server/studies/import';
import { loadStudy } from '../lib/server/studies/loader';
import { describeChecks } from '../lib/server/studies/checks';
import * as studies from '../lib/server/studies/queries';
import { makeTinyModel } from '../../models/make-tiny-model';
import { extractionCommand } from './extraction';
import { progressLine } from './progress';
import { POWER_OPTIONS, POWER_USAGE, powerCommand } from './power';

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  migrate                              apply database migrations
  import <study-dir> [--confirm-phi]   import or update a study from studies/<slug>/; likely
                                       patient identifiers stop it unless confirmed (audited)
                                       or study.yaml declares phi.deidentified: true
  import-outputs <slug> <file.jsonl> [--confirm-phi]
                                       import outputs made elsewhere: {"case_id", "checkpoint",
                                       "text", "provenance"?} per line, several checkpoints per file
  check <study-dir>                    PHI scan and training-data leakage check of a study
                                       folder, without importing it (exit 1 if anything found)
  export-study <slug> <dir>            write the study as a studies/<slug>/ folder (study.yaml,
                                       cases, outputs, manifests) that \`import\` reads back
  generate <study-dir> [--checkpoint NAME] [--force] [--parallel N] [--lease SECONDS]
                                       compute missing outputs of local checkpoints; safe to
                                       stop and restart, and to run on several machines at once
                                       against one PostgreSQL (outputs are leased)
  status <slug>                        cases, outputs per checkpoint, rounds and rater progress
  export <slug> --round NAME [--format long|wide|json|codebook|long-excel|wide-excel|metrics|acceptability] [--out FILE]
                                       ratings of a round, streamed (checkpoint once unblinded);
                                       metrics: per-case ROUGE and label correctness (long CSV),
                                       acceptability: the acceptable-letter table (unblinded only)
  analyze <slug> --round NAME [--format md|json] [--out FILE]
                                       the study analysis of an unblinded round (as on its page)
  extraction <study-dir|slug> [--round NAME]
                                       per output (by blinded code, never by checkpoint) the
                                       labels extracted against the gold ones, with hit rates:
                                       tune analysis.extraction in study.yaml before unblinding
  round <slug> --name NAME (--create | --open | --lock | --unblind) [--checkpoint NAME ...]
        [--kind absolute|pairwise] [--design fully-crossed|balanced] [--raters-per-item K]
        [--repeat SHARE] [--seed S] [--task KEY] [--confirm-leakage]
                                       create a round (its design is built over its raters
                                       when it opens; --task: the study task it rates) or
                                       move it through its lifecycle
  plan <slug> --round NAME (--set FILE | --lock | --opt-out REASON | --show | --export FILE)
                                       the round's pre-registered analysis plan: write a draft
                                       (YAML, e.g. studies/<slug>/analysis-plan.yaml), lock it
                                       (SHA-256 audited; unblinding needs a locked plan or the
                                       opt-out), show it, or export the locked canonical JSON
                                       with FILE.sha256 beside it for an OSF-style registration
${POWER_USAGE}
  add-rater <slug> --round NAME --name NAME [--email E]
                                       add a rater to a round and print their link
  create-coordinator --email E --name N --password P [--role coordinator|statistician]
                                       a statistician sees studies, analyses and exports but
                                       cannot change rounds
  make-tiny-model [--dir DIR] [--seed N]
                                       write the tiny random-weight GGUF, LoRA and manifests
  demo-setup                           import the demo study, open its round, print the links
  backup <file> [--force]              write the whole database to one file (gzip JSON Lines;
                                       it holds patient data); --force replaces an existing file
  restore <file> [--force]             restore a backup into an empty database, in one
                                       transaction; --force first empties a database with data

Environment: DATABASE_URL (PostgreSQL; unset = PGlite in BLINDEVAL_DATA_DIR, default ./.data),
ORIGIN (base URL printed in links, default http://localhost:$PORT or :3000),
BLINDEVAL_MODELS_DIR (folders manifests may be read from besides the study's, default ./models),
BLINDEVAL_WEIGHTS_DIR (folders for .gguf weights only), BLINDEVAL_MAX_CASES_SIZE,
BLINDEVAL_MAX_OUTPUTS_SIZE, BLINDEVAL_MAX_MANIFEST_SIZE (largest files read; docs/study-files.md).`;

type Values = Record<string, string | boolean | string[] | undefined>;

async function withDb<T>(
	fn: (database: Database) => Promise<T>,
	opts: { migrate?: boolean } = {}
): Promise<T> {
	const config = readConfig();
	const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
	try {
		if (opts.migrate !== false) await database.migrate(config.migrationsDir);
		return await fn(database);
	} finally {
		await database.close();
	}
}

function need(values: Values, key: string): string {
	const v = values[key];
	if (typeof v !== 'string' || !v) throw new UsageError(`--${key} is required`);
	return v;
}

class UsageError extends Error {}

async function roundByName(database: Database, slug: string, name: string) {
	const study = await studies.bySlug(database.db, slug);
	const round = (await rounds.listForStudy(database.db, study.id)).find((r) => r.name === name);
	if (!round)
		throw new ValidationError([
			{ field: 'round', message: `no round "${name}" in study "${slug}"` }
		]);
	return { study, round };
}

const commands: Record<string, (args: string[], values: Values) => Promise<void>> = {
	migrate: () => withDb(async (d) => console.log(`Database (${d.kind}) is up to date.`)),

	import: ([dir], values) =>
		withDb(async ({ db }) => {
			if (!dir) throw new UsageError('import needs a study folder');
			const s = await importStudy(db, CLI, loadStudy(dir), {
				confirmPhi: values['confirm-phi'] === true
			});
			const fmt = (c: { added: number; updated: number; unchanged: number }) =>
				`${c.added} added, ${c.updated} updated, ${c.unchanged} unchanged`;
			console.log(`Study "${s.slug}" ${s.created ? 'created' : 'imported'}.`);
			console.log(
				`  cases:       ${fmt(s.cases)}\n  checkpoints: ${fmt(s.checkpoints)}\n  outputs:     ${fmt(s.outputs)}`
			);
		}),

	'import-outputs': ([slug, file], values) =>
		withDb(async ({ db }) => {
			if (!slug || !file)
				throw new UsageError('import-outputs needs a study slug and a JSONL file');
			const s = await importOutputsFile(db, CLI, slug, file, {
				confirmPhi: values['confirm-phi'] === true
			});
			console.log(
				`Imported ${file}: checkpoints ${s.checkpoints.added} added, ${s.checkpoints.unchanged + s.checkpoints.updated} existing; outputs ${s.outputs.added} added, ${s.outputs.updated} updated, ${s.outputs.unchanged} unchanged.`
			);
		}),

	check: async ([dir]) => {
		if (!dir) throw new UsageError('check needs a study folder');
		const report = describeChecks(loadStudy(dir));
		console.log(report.lines.join('\n'));
		if (report.stops || report.leaked) process.exitCode = 1;
	},

	'export-study': ([slug, dir]) =>
		withDb(async ({ db }) => {
			if (!slug || !dir) throw new UsageError('export-study needs a study slug and a folder');
			const files = await writeStudyFolder(db, slug, dir);
			console.log(`Exported study "${slug}" to ${dir}: ${files.map((f) => f.path).join(', ')}`);
		}),

	generate: ([dir], values) =>
		withDb(async ({ db }) => {
			if (!dir) throw new UsageError('generate needs a study folder');
			const controller = new AbortController();
			process.once('SIGINT', () => controller.abort(new Error('Interrupted')));
			const result = await generateStudy(db, CLI, loadStudy(dir), {
				checkpoint: values.checkpoint as string | undefined,
				force: values.force === true,
				parallel: values.parallel ? Number(values.parallel) : undefined,
				leaseSeconds: values.lease ? Number(values.lease) : undefined,
				signal: controller.signal,
				onProgress: (p) => process.stderr.write(`\r${progressLine(p)}`),
				onPlan: (line) => process.stderr.write(`\n${line}\n`)
			});
			process.stderr.write('\n');
			console.log(
				`${result.cancelled ? 'Cancelled after' : 'Generated'} ${result.done} output(s), ${result.errors} error(s).`
			);
			if (result.cancelled) process.exitCode = 130;
		}),

	status: ([slug]) =>
		withDb(async ({ db }) => {
			if (!slug) throw new UsageError('status needs a study slug');
			const study = await studies.bySlug(db, slug);
			const st = await studies.status(db, study.id);
			console.log(`${study.name} (${slug}): ${st.cases} cases`);
			for (const c of st.checkpoints)
				console.log(
					`  ${c.name.padEnd(28)} ${c.kind.padEnd(9)} done ${c.done}, pending ${c.pending}, running ${c.running}, error ${c.error}`
				);
			for (const r of await rounds.listForStudy(db, study.id)) {
				console.log(`  round "${r.name}": ${r.status}`);
				for (const p of await rounds.progress(db, r))
					console.log(`    ${p.pseudonym} ${p.name.padEnd(20)} ${p.done}/${p.total}`);
			}
		}),

	export: ([slug], values) =>
		withDb(async (d) => {
			if (!slug) throw new UsageError('export needs a study slug');
			const { round } = await roundByName(d, slug, need(values, 'round'));
			const format = (values.format ?? 'long') as string;
			const formats = ['long', 'wide', 'json', 'codebook', 'long-excel', 'wide-excel'];
			const analysed = ['metrics', 'acceptability'];
			if (!formats.includes(format) && !analysed.includes(format))
				throw new UsageError(`--format is one of ${[...formats, ...analysed].join(', ')}`);
			const out = analysed.includes(format)
				? {
						chunks: [
							await (format === 'metrics' ? roundMetricsCsv : roundAcceptabilityCsv)(
								d.db,
								CLI,
								round.id
							)
						]
					}
				: await exportsService.exportStream(
						d.db,
						CLI,
						round.id,
						format as exportsService.ExportFormat
					);
			const target =
				typeof values.out === 'string' ? fs.createWriteStream(values.out) : process.stdout;
			await pipeline(Readable.from(out.chunks), target);
			if (typeof values.out === 'string') console.log(`Wrote ${values.out}`);
		}),

	analyze: ([slug], values) =>
		withDb(async (d) => {
			if (!slug) throw new UsageError('analyze needs a study slug');
			const { round } = await roundByName(d, slug, need(values, 'round'));
			const format = (values.format ?? 'md') as string;
			if (format !== 'md' && format !== 'json') throw new UsageError('--format is md or json');
			const text =
				format === 'md'
					? await roundReport(d.db, CLI, round.id)
					: JSON.stringify((await anyRoundAnalysis(d.db, CLI, round.id)).analysis, null, 1);
			if (typeof values.out === 'string') {
				fs.writeFileSync(values.out, text);
				console.log(`Wrote ${values.out}`);
			} else process.stdout.write(text);
		}),

	extraction: ([study], values) =>
		withDb(async ({ db }) => {
			if (!study) throw new UsageError('extraction needs a study folder or slug');
			const round = typeof values.round === 'string' ? values.round : null;
			process.stdout.write(await extractionCommand(db, CLI, study, round));
		}),

	round: ([slug], values) =>
		withDb(async (d) => {
			if (!slug) throw new UsageError('round needs a study slug');
			const name = need(values, 'name');
			if (values.create) {
				const study = await studies.bySlug(d.db, slug);
				const parsed = parseRoundOptions({
					kind: values.kind,
					design: values.design,
					ratersPerItem: values['raters-per-item'],
					repeatShare: values.repeat
				});
				if (!parsed.options) throw new ValidationError(parsed.issues);
				const r = await rounds.create(d.db, CLI, {
					studyId: study.id,
					name,
					checkpointNames: values.checkpoint as string[] | undefined,
					seed: values.seed as string | undefined,
					design: parsed.options,
					task: values.task as string | undefined
				});
				console.log(`Round "${r.name}" created (draft): ${describeDesign(parsed.options)}.`);
				return;
			}
			const to = values.open
				? 'open'
				: values.lock
					? 'locked'
					: values.unblind
						? 'unblinded'
						: null;
			if (!to) throw new UsageError('round needs --create, --open, --lock or --unblind');
			const { round } = await roundByName(d, slug, name);
			const r = await rounds.transition(d.db, CLI, round.id, to, {
				confirmLeakage: values['confirm-leakage'] === true
			});
			console.log(`Round "${r.name}" is ${r.status}.`);
		}),

	plan: ([slug], values) =>
		withDb(async (d) => {
			if (!slug) throw new UsageError('plan needs a study slug');
			const { round } = await roundByName(d, slug, need(values, 'round'));
			if (typeof values.set === 'string') {
				const text = fileText(values.set, values.set, 'manifest', placesOf().limits);
				await analysisPlans.save(d.db, CLI, round.id, text, values.set);
				console.log(`Draft plan saved for round "${round.name}"; lock it with --lock.`);
			} else if (values.lock) {
				const row = await analysisPlans.lock(d.db, CLI, round.id);
				console.log(`Plan of round "${round.name}" locked: SHA-256 ${row.sha256}`);
			} else if (typeof values['opt-out'] === 'string') {
				await analysisPlans.optOut(d.db, CLI, round.id, values['opt-out']);
				console.log(`Round "${round.name}" opted out: reports will say "no pre-registered plan".`);
			} else if (typeof values.export === 'string') {
				const { text, sha256 } = await analysisPlans.exportLocked(d.db, CLI, round.id);
				fs.writeFileSync(values.export, text);
				fs.writeFileSync(`${values.export}.sha256`, `${sha256}  ${path.basename(values.export)}\n`);
				console.log(`Wrote ${values.export} and ${values.export}.sha256 (SHA-256 ${sha256})`);
			} else if (values.show) {
				const row = await analysisPlans.get(d.db, CLI, round.id);
				console.log(analysisPlans.describeStored(row).join('\n'));
			} else
				throw new UsageError(
					'plan needs --set FILE, --lock, --opt-out REASON, --show or --export FILE'
				);
		}),

	power: ([slug], values) =>
		withDb(async ({ db }) => {
			if (!slug) throw new UsageError('power needs a study slug');
			console.log(await powerCommand(db, slug, values));
		}),

	'add-rater': ([slug], values) =>
		withDb(async (d) => {
			if (!slug) throw new UsageError('add-rater needs a study slug');
			const { round } = await roundByName(d, slug, need(values, 'round'));
			const r = await rounds.addRater(d.db, CLI, round.id, {
				name: need(values, 'name'),
				email: values.email as string | undefined
			});
			console.log(`${r.pseudonym}: ${readConfig().publicUrl}/r/${r.token}`);
		}),

	'create-coordinator': (_, values) =>
		withDb(async ({ db }) => {
			const role = ROLES.find((r) => r === (values.role ?? 'coordinator'));
			if (!role) throw new UsageError(`--role is ${ROLES.join(' or ')}`);
			const u = await users.create(db, CLI, {
				email: need(values, 'email'),
				name: need(values, 'name'),
				password: need(values, 'password'),
				role
			});
			const label: Record<typeof role, string> = {
				coordinator: 'Coordinator',
				statistician: 'Statistician'
			};
			console.log(`${label[role]} ${u.email} created.`);
		}),

	'make-tiny-model': async (_, values) => {
		const out = await makeTinyModel({
			dir: typeof values.dir === 'string' ? values.dir : path.resolve('models'),
			seed: values.seed ? Number(values.seed) : undefined
		});
		for (const f of out) console.log(f);
	},

	// Backup reads the database as it is (no migration first): a backup taken before an upgrade
	// holds the old state, and restores with the version that wrote it.
	backup: ([file], values) => {
		if (!file) throw new UsageError('backup needs a file name');
		const config = readConfig();
		if (!config.databaseUrl && !fs.existsSync(path.join(config.dataDir, 'PG_VERSION')))
			throw new ConflictError(
				`There is no database in ${config.dataDir} (set BLINDEVAL_DATA_DIR or DATABASE_URL).`
			);
		return withDb(
			async ({ db, kind }) => {
				const s = await writeBackup(db, file, {
					overwrite: values.force === true,
					migrationsDir: config.migrationsDir
				});
				console.log(
					`Wrote ${file} (${kind}, ${s.rows} rows in ${s.tables.length} tables, ${s.bytes} bytes). It holds patient data: store it like the database.`
				);
			},
			{ migrate: false }
		);
	},

	// Restore migrates the target first (a new database is created empty), then checks that the
	// file was written at exactly these migrations.
	restore: async ([file], values) => {
		if (!file) throw new UsageError('restore needs a backup file');
		const header = await readBackupHeader(file);
		await withDb(async ({ db, kind }) => {
			const s = await restoreBackup(db, file, {
				force: values.force === true,
				migrationsDir: readConfig().migrationsDir
			});
			console.log(
				`Restored ${file} into ${kind}: ${s.rows} rows in ${s.tables.length} tables (backup of ${header.createdAt}, blindeval ${header.app.version}).`
			);
		});
	},

	'demo-setup': () =>
		withDb(async ({ db }) => {
			const config = readConfig();
			const demo = await setUpDemo(db, config.publicUrl);
			console.log(`
blindeval demo is ready.
  App:              ${config.publicUrl}
  Coordinator:      ${config.publicUrl}/login  (email ${demo.email}, password ${demo.password})
  Demo rater link:  ${demo.raterLink}
`);
		})
};

function parseOptions(argv: string[]) {
	return parseArgs({
		args: argv,
		allowPositionals: true,
		options: {
			checkpoint: { type: 'string', multiple: true },
			force: { type: 'boolean' },
			parallel: { type: 'string' },
			lease: { type: 'string' },
			round: { type: 'string' },
			out: { type: 'string' },
			format: { type: 'string' },
			name: { type: 'string' },
			email: { type: 'string' },
			password: { type: 'string' },
			role: { type: 'string' },
			dir: { type: 'string' },
			seed: { type: 'string' },
			kind: { type: 'string' },
			design: { type: 'string' },
			'raters-per-item': { type: 'string' },
			repeat: { type: 'string' },
			task: { type: 'string' },
			create: { type: 'boolean' },
			open: { type: 'boolean' },
			lock: { type: 'boolean' },
			unblind: { type: 'boolean' },
			set: { type: 'string' },
			'opt-out': { type: 'string' },
			show: { type: 'boolean' },
			export: { type: 'string' },
			'confirm-phi': { type: 'boolean' },
			'confirm-leakage': { type: 'boolean' },
			help: { type: 'boolean', short: 'h' },
			...POWER_OPTIONS
		}
	});
}

async function main(argv: string[]): Promise<number> {
	let parsed;
	try {
		parsed = parseOptions(argv);
	} catch (e) {
		throw new UsageError((e as Error).message);
	}
	const { positionals, values } = parsed;
	const [command, ...args] = positionals;
	const run = command ? commands[command] : undefined;
	if (!run || values.help) {
		console.log(USAGE);
		return command && !values.help ? 2 : 0;
	}
	const checkpoint = values.checkpoint;
	const v: Values = {
		...values,
		checkpoint: command === 'generate' ? checkpoint?.[0] : checkpoint
	};
	await run(args, v);
	return 0;
}

main(process.argv.slice(2)).then(
	(code) => process.exit(code),
	(e: unknown) => {
		if (e instanceof UsageError) {
			console.error(`${e.message}\n\n${USAGE}`);
			process.exit(2);
		}
		const err = e as Error;
		const expected = ['ValidationError', 'NotFoundError', 'ConflictError', 'ForbiddenError'];
		console.error(expected.includes(err.name) ? err.message : (err.stack ?? String(e)));
		process.exit(1);
	}
);
