#!/usr/bin/env bash
# The server the Playwright specs run against: the production build on a fresh PGlite folder,
# prepared first (PGlite is single-process, so preparation must finish before the server opens it).
set -euo pipefail
PORT="${1:-4173}"
export BLINDEVAL_DATA_DIR="tests/.tmp/e2e/data"
# The demo's models/ and the folder prepare.ts builds the tiny model into (study files are read
# only from their study folder and the models folders).
export BLINDEVAL_MODELS_DIR="models:tests/.tmp/e2e/study/models"
export ORIGIN="http://127.0.0.1:${PORT}"
export PORT HOST=127.0.0.1
unset DATABASE_URL
rm -rf tests/.tmp/e2e
mkdir -p tests/.tmp/e2e
npx vite build --logLevel warn
npx tsx tests/e2e/prepare.ts tests/.tmp/e2e
exec node server.js
