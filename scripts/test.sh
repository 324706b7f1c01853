#!/usr/bin/env bash
# Install what is needed (first run only) and run the whole test suite, browser tests included.
#   bash scripts/test.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages for the browser, PDF-page and PostgreSQL tests (Debian; needs root). Without them
# those tests are skipped with a reason.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  need=()
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]} ..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") >/dev/null
  fi
fi

bash scripts/setup-venv.sh dev
.venv/bin/ruff check .
.venv/bin/ruff format --check .

# A throwaway PostgreSQL server on 127.0.0.1 for the database tests that need one.
pgdir=""
if [ -z "${POSTURE_TEST_PG_URL:-}" ]; then
  pgdir=$(mktemp -d /tmp/posture-pg.XXXXXX)
  if url=$(bash scripts/start-postgres.sh "$pgdir" 2>/dev/null); then
    export POSTURE_TEST_PG_URL="$url"
  else
    rm -rf "$pgdir"; pgdir=""
  fi
fi
cleanup() { [ -n "$pgdir" ] && bash scripts/start-postgres.sh --stop "$pgdir" || true; }
trap cleanup EXIT

.venv/bin/python -m pytest "$@"
