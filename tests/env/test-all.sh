#!/usr/bin/env bash
# Every test: type checks, unit tests, integration tests on PGlite and PostgreSQL 15, and the
# Playwright specs in Chromium against the production build. `.ci/run` calls this.
set -euo pipefail
cd "$(dirname "$0")/../.."

bash tests/env/setup.sh
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://blindeval_test:blindeval_test@127.0.0.1:5432/blindeval_test}"

npx svelte-kit sync
npx svelte-check --tsconfig ./tsconfig.json --fail-on-warnings
npx eslint .
npx prettier --check .
npx vitest run
npx playwright test
