#!/usr/bin/env bash
# Starts modulr on its embedded default: SQLite, jobs in-process, files on local disk,
# plus the pool of PDF converters. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
export PORT
.venv/bin/python manage.py demo_logins --url "http://127.0.0.1:${PORT}"
exec .venv/bin/honcho -f Procfile.dev start
