# Claimdesk developer commands. `make run` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Optional dependency groups to install; `make run EXTRAS=dev` stays lexical-only (no torch).
EXTRAS ?= dev,semantic
comma := ,
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

.PHONY: install run test lint format migrate seeds worker beat check-deploy clean

# Re-installs only when pyproject.toml changed since the last install.
install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[$(EXTRAS)]'
	@touch $(STAMP)

migrate: install
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput

seeds: migrate
	DEBUG=$${DEBUG:-1} $(PY) manage.py load_seeds
	DEBUG=$${DEBUG:-1} $(PY) manage.py import_claimreviews seeds/other_outlets.json
	DEBUG=$${DEBUG:-1} $(PY) manage.py ingest_seeds

# Local development: SQLite, and a real Celery worker and beat on a broker folder under var/
# (no other service needed). var/dev.env (DEBUG=1, a generated SECRET_KEY) is written once;
# manage.py reads it whenever the environment sets neither, so later commands just work.
run: install
	$(PY) -m claimdesk.devenv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_seeds
	$(PY) manage.py import_claimreviews seeds/other_outlets.json
	$(PY) manage.py ingest_seeds
	$(PY) manage.py create_demo_users
	$(PY) manage.py run_local --port $(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: lint
	$(VENV)/bin/pytest

# Production-like: needs DATABASE_URL, REDIS_URL and SECRET_KEY in the environment.
worker: install
	$(VENV)/bin/celery -A claimdesk worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A claimdesk beat --loglevel=INFO

check-deploy: install
	$(PY) manage.py check --deploy --fail-level WARNING

# Local state only: var/dev.env (this checkout's SECRET_KEY) is kept. Beat's schedule is a shelve
# file whose suffixes (.db, .dir, .dat, .bak) depend on the dbm module, hence the globs; the ones
# in the top folder are left by a `celery beat` started without the project's settings.
clean:
	rm -rf $(VENV) var/claimdesk.sqlite3 var/broker var/screenshots staticfiles \
		var/celerybeat-schedule* var/celerybeat.pid celerybeat-schedule* celerybeat.pid \
		.pytest_cache .mypy_cache .ruff_cache
