#!/usr/bin/env bash
# Starts modulr on its embedded default: SQLite, jobs in-process, files on local disk,
# plus the pool of PDF converters. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
export PORT
# The demo's attestations are sealed with a trial certificate, made once in VAR_DIR and kept,
# unless the environment or .env names a certificate of its own: the settings use it when
# DEBUG is on (as here), the passphrase read from its file, in no process's environment.
if [[ -z "${SEAL_PKCS12_PATH:-}" ]] && ! grep -qsE '^[[:space:]]*SEAL_PKCS12_PATH=' .env; then
  seal="$(realpath -m "${VAR_DIR:-var}")/seal.p12"
  .venv/bin/python manage.py seal_certificate_create --output "$seal" >/dev/null
  echo "Attestations scellées avec le certificat d'essai $seal"
fi
.venv/bin/python manage.py demo_logins --url "http://127.0.0.1:${PORT}"
exec .venv/bin/honcho -f Procfile.dev start
