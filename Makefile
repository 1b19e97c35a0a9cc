# Jalon: `make run` (set up everything and start the web server and the worker; `make run PORT=8100` for
# another port), `make test`; `make serve`: the production stack on one machine (scripts/serve.sh).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
PORT ?= 8000
# Runtime packages (requirements.lock) and development ones (requirements-dev.lock, which includes the
# runtime lock): each set is installed again only when its lock files change.
STAMP := $(VENV)/.installed-runtime-$(shell cat requirements.lock | sha1sum | cut -c1-12)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat requirements.lock requirements-dev.lock | sha1sum | cut -c1-12)

.PHONY: install install-dev migrate demo run serve test test-pg lint lock check messages

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): requirements.lock | $(VENV)/bin/python
	$(PIP) install --quiet -r requirements.lock
	@rm -f $(VENV)/.installed-runtime-*
	@touch $(STAMP)

$(DEV_STAMP): requirements.lock requirements-dev.lock | $(VENV)/bin/python
	$(PIP) install --quiet -r requirements-dev.lock
	@rm -f $(VENV)/.installed-dev-*
	@touch $(DEV_STAMP)

# What `make run` needs: the runtime packages only (the demo needs no test tool).
install: $(STAMP)

# What the tests, the browser tests, the benchmarks and ruff need, on top of the runtime.
install-dev: $(STAMP) $(DEV_STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo --if-empty

# PORT (default 8000) reaches the scripts: `make run PORT=8100`.
run: demo
	@PORT=$(PORT) bash scripts/run.sh

# Production on one machine: collectstatic, migrate, gunicorn and the worker (environment: scripts/serve.sh).
serve: install
	@PORT=$(PORT) bash scripts/serve.sh

test: install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

# The same suite against PostgreSQL (the server of `DATABASE_URL`, default the local one).
test-pg: install-dev
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(PY) -m pytest $(PYTEST_ARGS)

# ruff's rules are in pyproject.toml ([tool.ruff.lint]), the floors of the house in [tool.importlinter]
# (docs/ARCHITECTURE.md); CI runs this before the tests.
lint: install-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

check: install
	$(PY) manage.py check
	JALON_PRODUCTION=1 SECRET_KEY=$$(head -c 64 /dev/urandom | base64 -w0) ALLOWED_HOSTS=jalon.example.org \
		$(PY) manage.py check --deploy --fail-level WARNING

# After a change to requirements.in or requirements-dev.in: install what they ask, then pin it in both locks.
lock: | $(VENV)/bin/python
	$(PIP) install --quiet -r requirements.in -r requirements-dev.in
	$(PY) scripts/lock.py
