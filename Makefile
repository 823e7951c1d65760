# modulr: `make run` sets everything up and starts the app; `make test` sets up and runs the suite,
# then `make prod-smoke` (the production roles on this machine, through nginx).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: run test prod-smoke setup system-deps system-deps-browser system-deps-nginx messages \
	lint bench clean

# The embedded default is DEBUG on over plain HTTP on 127.0.0.1, unless the environment or .env
# says otherwise: with DEBUG off the settings require SECRET_KEY and HTTPS.
ifeq ($(origin DEBUG),undefined)
ifeq ($(shell grep -sE '^[[:space:]]*DEBUG=' .env),)
run setup messages: export DEBUG := true
endif
endif

run: setup
	@bash scripts/run.sh

# The smoke runs even when the suite failed; either failing fails `make test`.
test: system-deps-browser $(STAMP) messages
	@status=0; bash scripts/test.sh || status=$$?; bash scripts/prod-smoke.sh || status=1; \
	exit $$status

prod-smoke: system-deps-nginx $(STAMP) messages
	@bash scripts/prod-smoke.sh

setup: system-deps $(STAMP) messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_demo_documents

system-deps:
	@bash scripts/install-system-deps.sh

system-deps-browser:
	@bash scripts/install-system-deps.sh --browser --nginx

system-deps-nginx:
	@bash scripts/install-system-deps.sh --nginx

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

messages: $(STAMP)
	$(PY) manage.py compilemessages -l fr --ignore '.venv/*' -v0

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

clean:
	rm -rf var/db.sqlite3* var/private var/static var/converters
