#!/usr/bin/env bash
# `make prod-smoke`: the production roles on this machine, driven through nginx
# (scripts/prod_smoke.py). Needs PostgreSQL and Redis on 127.0.0.1, like the suite; without
# them the smoke is skipped, or fails when CI is set.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null \
  || ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "PostgreSQL ou Redis ne répond pas sur 127.0.0.1 : smoke de production sauté."
  [[ -n "${CI:-}" ]] && exit 1
  exit 0
fi
exec .venv/bin/python scripts/prod_smoke.py
