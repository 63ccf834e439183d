#!/usr/bin/env bash
# Installs and starts what the tests need on a fresh Debian 12 machine: the programs and
# libraries the tests call (below) and a running PostgreSQL 15 with a role that may create test
# databases.
# Idempotent. Fails (never skips) when something cannot be had.
set -euo pipefail

APT="apt-get -o DPkg::Lock::Timeout=900"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
updated=""
apt_install() {
	if [ -z "$updated" ]; then $SUDO $APT update -qq; updated=1; fi
	DEBIAN_FRONTEND=noninteractive $SUDO $APT install -y -qq "$@"
}

# Every program or library a test calls, with the Debian package that provides it and a command
# that proves it works (by using it, not by finding a file). A missing one is installed; one that
# still fails afterwards stops the set-up with the package's name. Nothing is ever skipped.
#   chromium               Playwright's browser (Playwright cannot download its own here)
#   r-base-core, jsonlite  R's read.csv and jsonlite load the exports and the audit CSV
#   r-cran-psych           cohen.kappa, the reference of the scale fixtures (make-scales-reference)
#   python3-pandas         pandas' read_csv loads the same files
#   libreoffice-calc-nogui opens the spreadsheet-safe exports headless, as Excel would
#   postgresql-15          the second test database; initdb and pg_ctl give the fault tests a
#                          cluster of their own to restart
# BLINDEVAL_SETUP_REQUIRE adds "package|check" lines (the set-up's own test uses it).
REQUIRED="chromium|/usr/bin/chromium --version
r-base-core|/usr/bin/Rscript -e 1
r-cran-jsonlite|/usr/bin/Rscript -e 'library(jsonlite)'
r-cran-psych|/usr/bin/Rscript -e 'library(psych)'
python3-pandas|/usr/bin/python3 -c 'import pandas'
libreoffice-calc-nogui|soffice --version
postgresql-15|/usr/lib/postgresql/15/bin/initdb --version && /usr/lib/postgresql/15/bin/pg_ctl --version
${BLINDEVAL_SETUP_REQUIRE:-}"

works() { sh -c "$1" >/dev/null 2>&1; }
missing=""
while IFS='|' read -r pkg check; do
	[ -n "$pkg" ] || continue
	works "$check" || missing="$missing $pkg"
done <<<"$REQUIRED"
if [ -n "$missing" ]; then
	echo "setup: installing$missing"
	if ! apt_install $missing; then
		echo "setup: FAILED: could not install Debian package(s)$missing" >&2
		exit 1
	fi
fi
while IFS='|' read -r pkg check; do
	[ -n "$pkg" ] || continue
	if ! works "$check"; then
		echo "setup: FAILED: Debian package '$pkg' is missing or broken ('$check' fails)" >&2
		exit 1
	fi
done <<<"$REQUIRED"

if ! command -v pg_lsclusters >/dev/null || ! pg_lsclusters -h 2>/dev/null | grep -q '^15 '; then
	echo "setup: installing PostgreSQL 15"
	apt_install postgresql-15
fi
if ! pg_lsclusters -h | grep -q '^15 \+main \+[0-9]\+ \+online'; then
	echo "setup: starting PostgreSQL 15"
	$SUDO pg_ctlcluster 15 main start
fi
as_postgres() {
	if [ -z "$SUDO" ]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi
}
for _ in $(seq 1 30); do
	if as_postgres "psql -qAtc 'select 1'" >/dev/null 2>&1; then break; fi
	sleep 1
done
as_postgres "psql -qAtc 'select 1'" >/dev/null

# The test role creates one database per test suite (and drops it afterwards).
as_postgres "psql -qAt" <<'SQL' >/dev/null
DO $$ BEGIN
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'blindeval_test') THEN
		CREATE ROLE blindeval_test LOGIN CREATEDB PASSWORD 'blindeval_test';
	END IF;
END $$;
-- Dropping a test database WITH (FORCE) must be able to end an autovacuum worker on it.
GRANT pg_signal_backend TO blindeval_test;
SQL
if ! as_postgres "psql -qAtc \"select 1 from pg_database where datname = 'blindeval_test'\"" | grep -q 1; then
	as_postgres "createdb -O blindeval_test blindeval_test"
fi
echo "setup: chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'), PostgreSQL 15 online"
