/**
 * The programs analysts load exports with, run as they would run them: R's read.csv and pandas'
 * read_csv with no options. Each returns what the script printed.
 */
import { execFileSync } from 'node:child_process';

/** Runs an R expression with Rscript -e. */
export function runR(expression: string): string {
	return execFileSync('/usr/bin/Rscript', ['-e', expression], { encoding: 'utf8' });
}

/** Runs Python code with python3 -c (pandas is installed). */
export function runPython(code: string): string {
	return execFileSync('/usr/bin/python3', ['-c', code], { encoding: 'utf8' });
}
