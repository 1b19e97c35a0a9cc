# Jalon: `make run` (set up everything and start the web server and the worker), `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.lock | cut -c1-12)

.PHONY: install migrate demo run test test-pg lock check messages

$(STAMP): requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo --if-empty

run: demo
	@bash scripts/run.sh

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# The same suite against PostgreSQL (the server of `DATABASE_URL`, default the local one).
test-pg: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(PY) -m pytest $(PYTEST_ARGS)

check: install
	$(PY) manage.py check
	JALON_PRODUCTION=1 SECRET_KEY=$$(head -c 64 /dev/urandom | base64 -w0) ALLOWED_HOSTS=jalon.example.org \
		$(PY) manage.py check --deploy --fail-level WARNING

lock: install
	$(PY) -m pip freeze --exclude-editable > requirements.lock
