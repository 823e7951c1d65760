#!/usr/bin/env bash
# Runs the whole suite on PostgreSQL (when it answers), then on SQLite.
# Tests marked `postgresql` (locks, concurrency) only mean something on PostgreSQL:
# the SQLite pass deselects them, and with CI set they fail rather than skip.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
status=0
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "== Suite sur PostgreSQL =="
  DATABASE_URL="$PG_URL" .venv/bin/pytest "$@" || status=$?
else
  echo "PostgreSQL ne répond pas sur 127.0.0.1:5432 : passe PostgreSQL sautée."
  [[ -n "${CI:-}" ]] && status=1
fi
echo "== Suite sur SQLite =="
DATABASE_URL="sqlite:///$(pwd)/var/test.sqlite3" .venv/bin/pytest -m "not postgresql" "$@" || status=$?
exit $status
