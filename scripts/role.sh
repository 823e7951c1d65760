#!/usr/bin/env bash
# The production processes, defined once: the Procfile, docker-compose.yml, `make prod-smoke`
# and the multi-host tests all start a role through this script.
#   web          gunicorn (WEB_CONCURRENCY workers, PORT)
#   worker       the Celery worker (WORKER_CONCURRENCY; WORKER_NAME, default celery@<host>,
#                recorded on each request it generates)
#   converters   this host's pool of PDF converters (CONVERTER_PORTS, one per core by default)
#   recover      sends lost and unsent jobs again (every RECOVER_EVERY seconds, default 10)
#   worker-host  a worker machine: its converter pool and its Celery worker, side by side
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python}"
[[ -x .venv/bin/python && -z "${PYTHON:-}" ]] && PY=.venv/bin/python
case "${1:-}" in
  web)
    exec "$PY" -m gunicorn modulr.wsgi --bind "0.0.0.0:${PORT:-8000}" \
      --workers "${WEB_CONCURRENCY:-3}" --access-logfile - ;;
  worker)
    exec "$PY" -m celery -A modulr worker --loglevel INFO \
      --concurrency "${WORKER_CONCURRENCY:-4}" --hostname "${WORKER_NAME:-celery@%h}" ;;
  converters)
    exec "$PY" manage.py run_converters ;;
  recover)
    exec "$PY" manage.py attestation_requests_recover --every "${RECOVER_EVERY:-10}" ;;
  worker-host)
    exec "$PY" -m honcho -f deploy/worker-host.Procfile start ;;
  *)
    echo "usage: scripts/role.sh web|worker|converters|recover|worker-host" >&2
    exit 2 ;;
esac
