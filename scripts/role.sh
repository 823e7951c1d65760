#!/usr/bin/env bash
# The production processes, defined once: the Procfile, docker-compose.yml, `make prod-smoke`
# and the multi-host tests all start a role through this script.
#   web          gunicorn (WEB_CONCURRENCY workers, PORT; WEB_TIMEOUT s for a staff « Aperçu »)
#   worker       the Celery worker (WORKER_CONCURRENCY; WORKER_NAME, default celery@<host>,
#                recorded on each request it generates)
#   converters   this host's pool of PDF converters (CONVERTER_PORTS, one per core by default)
#   recover      sends lost and unsent jobs again (every RECOVER_EVERY seconds, default 10)
#   worker-host  a worker machine: its converter pool and its Celery worker, side by side
#   web-host     a web machine: gunicorn and a small pool of its own (« Aperçu » converts there)
#   release      once per deployment, before the others start: migrate, then collectstatic
# Environment: VAR_DIR (this host's state), CONVERTER_PORTS, PORT, WEB_CONCURRENCY, WEB_TIMEOUT,
# WORKER_CONCURRENCY, WORKER_NAME, RECOVER_EVERY, PYTHON (default: .venv's, else `python`).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python}"
[[ -x .venv/bin/python && -z "${PYTHON:-}" ]] && PY=.venv/bin/python
# A host's processes share its CONVERTER_PORTS: chosen here when unset, before honcho starts
# them, so that the pool and its callers agree. `--env /dev/null`: honcho would otherwise load
# .env over the environment given; the settings read .env themselves, without overriding it.
host() {
  export CONVERTER_PORTS="${CONVERTER_PORTS:-$1}"
  exec "$PY" -m honcho --env /dev/null -f "deploy/$2.Procfile" start
}
case "${1:-}" in
  web)
    exec "$PY" -m gunicorn modulr.wsgi --bind "0.0.0.0:${PORT:-8000}" \
      --workers "${WEB_CONCURRENCY:-3}" --timeout "${WEB_TIMEOUT:-120}" --access-logfile - ;;
  worker)
    exec "$PY" -m celery -A modulr worker --loglevel INFO \
      --concurrency "${WORKER_CONCURRENCY:-4}" --hostname "${WORKER_NAME:-celery@%h}" ;;
  converters)
    exec "$PY" manage.py run_converters ;;
  recover)
    exec "$PY" manage.py attestation_requests_recover --every "${RECOVER_EVERY:-10}" ;;
  worker-host)
    host "$(seq -s, 2003 $((2002 + $(nproc))))" worker-host ;;
  web-host)
    export PORT="${PORT:-8000}"  # honcho's own default would be 5000
    host 2002 web-host ;;  # below the workers' 2003+: both roles may share a machine
  release)
    "$PY" manage.py migrate --noinput
    exec "$PY" manage.py collectstatic --noinput -v0 ;;
  *)
    echo "usage: scripts/role.sh web|worker|converters|recover|worker-host|web-host|release" >&2
    exit 2 ;;
esac
