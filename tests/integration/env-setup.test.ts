/**
 * The test set-up fails loudly, naming the Debian package, when something a test needs cannot
 * be installed or does not work after installing; it never skips. Runs the real script with the
 * real apt-get (as `npm run test:all` does), adding one requirement through
 * BLINDEVAL_SETUP_REQUIRE.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function setup(require: string) {
	const run = spawnSync('bash', ['tests/env/setup.sh'], {
		encoding: 'utf8',
		env: { ...process.env, BLINDEVAL_SETUP_REQUIRE: require },
		timeout: 600_000
	});
	return { status: run.status, stderr: run.stderr };
}

describe('tests/env/setup.sh', () => {
	it('fails, naming the package, when a needed package cannot be installed', () => {
		const run = setup('blindeval-no-such-package|command -v blindeval-no-such-program');
		expect(run.status).not.toBe(0);
		expect(run.stderr).toContain('blindeval-no-such-package');
		expect(run.stderr).toContain('setup: FAILED');
	});

	it('fails, naming the package, when a package is there but its check still fails', () => {
		// hostname is part of every Debian system: installing it changes nothing, the check fails.
		const run = setup('hostname|false');
		expect(run.status).not.toBe(0);
		expect(run.stderr).toContain("Debian package 'hostname' is missing or broken");
	});
});
