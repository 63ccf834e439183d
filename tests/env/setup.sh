#!/usr/bin/env bash
# Installs and starts what the tests need on a fresh Debian 12 machine: Debian's Chromium for
# Playwright and a running PostgreSQL 15 with a role that may create test databases.
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

if [ ! -x /usr/bin/chromium ]; then
	echo "setup: installing Debian's chromium"
	apt_install chromium
fi

# R and pandas load the CSV exports in the export and audit tests, as a statistician would.
# Every program or library a test calls is listed here, and checked by using it below, so a
# fresh machine either gets it or fails here naming the Debian package.
if [ ! -x /usr/bin/Rscript ] || ! /usr/bin/Rscript -e 'library(jsonlite)' >/dev/null 2>&1 \
	|| ! /usr/bin/python3 -c 'import pandas' 2>/dev/null; then
	echo "setup: installing R, R's jsonlite and pandas (for the export loading tests)"
	apt_install r-base-core r-cran-jsonlite python3-pandas
fi
# LibreOffice opens the spreadsheet-safe exports headless (soffice --convert-to), as a
# coordinator's spreadsheet would, to check that no cell becomes a formula.
if ! command -v soffice >/dev/null; then
	echo "setup: installing LibreOffice Calc (for the spreadsheet-safe export test)"
	apt_install libreoffice-calc-nogui
fi
need() { # need <debian package> <command that proves it works>
	if ! sh -c "$2" >/dev/null 2>&1; then
		echo "setup: FAILED: Debian package '$1' is missing or broken ('$2' fails)" >&2
		exit 1
	fi
}
need chromium '/usr/bin/chromium --version'
need r-base-core '/usr/bin/Rscript -e 1'
need r-cran-jsonlite "/usr/bin/Rscript -e 'library(jsonlite)'"
need python3-pandas "/usr/bin/python3 -c 'import pandas'"
need libreoffice-calc-nogui 'soffice --version'

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
