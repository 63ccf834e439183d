/**
 * The programs analysts load exports with, run as they would run them: R's read.csv and pandas'
 * read_csv with no options. Each returns what the script printed. A missing program or library
 * fails with the Debian package that provides it (tests/env/setup.sh installs them all).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** Debian packages for the R libraries and Python modules the tests use. */
const DEBIAN_PACKAGE: Record<string, string> = {
	jsonlite: 'r-cran-jsonlite',
	pandas: 'python3-pandas'
};

function run(program: string, debianPackage: string, args: string[]): string {
	if (!fs.existsSync(program)) {
		throw new Error(
			`${program} is missing: install Debian's ${debianPackage} (tests/env/setup.sh)`
		);
	}
	try {
		return execFileSync(program, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
	} catch (e) {
		const stderr = String((e as { stderr?: unknown }).stderr ?? '');
		const missing =
			/there is no package called ‘?'?([\w.]+)/u.exec(stderr)?.[1] ??
			/No module named '([\w.]+)'/u.exec(stderr)?.[1];
		if (missing) {
			const pkg = DEBIAN_PACKAGE[missing] ?? `the package providing ${missing}`;
			throw new Error(
				`${program}: library ${missing} is missing: install Debian's ${pkg} (tests/env/setup.sh)`
			);
		}
		throw new Error(`${program} failed: ${stderr.trim().slice(-2000)}`);
	}
}

/** Runs an R expression with Rscript -e. */
export function runR(expression: string): string {
	return run('/usr/bin/Rscript', 'r-base-core', ['-e', expression]);
}

/** Runs Python code with python3 -c (pandas comes from Debian's python3-pandas). */
export function runPython(code: string): string {
	return run('/usr/bin/python3', 'python3', ['-c', code]);
}
