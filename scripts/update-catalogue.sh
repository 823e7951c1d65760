#!/usr/bin/env bash
# Rebuilds locale/fr from the code. French is the source language: each msgstr is its msgid
# (msgen), so the catalogue is complete and a translator can refine any wording.
set -euo pipefail
cd "$(dirname "$0")/.."
po=locale/fr/LC_MESSAGES/django.po
rm -f "$po"
.venv/bin/python manage.py makemessages -l fr --no-location \
  --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*' >/dev/null
msgen "$po" -o "$po"
sed -i '0,/^#, fuzzy$/{/^#, fuzzy$/d}' "$po"
sed -i 's/"Language: \\n"/"Language: fr\\n"/; s/PACKAGE VERSION/modulr/' "$po"
.venv/bin/python manage.py compilemessages -l fr --ignore '.venv/*' -v0
