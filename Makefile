# Two commands set everything up: `make run` serves the demo with a task worker beside it,
# `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RUN_ENV := DEBUG=1
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format check-python venv migrate seed worker clean bench

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' || \
	  { echo "Python 3.12 or newer is needed (Django 6.1); '$(PYTHON)' is $$($(PYTHON) --version 2>&1)." \
	         "Install 3.12+ or run: make PYTHON=python3.12 ..."; exit 1; }

$(STAMP): pyproject.toml | check-python
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

migrate: venv
	$(RUN_ENV) $(PY) manage.py migrate --noinput

# Seeds a small demo only when the database holds no practitioners yet.
seed: migrate
	$(RUN_ENV) $(PY) manage.py seed_demo --if-empty

# The site and the task worker (e-mails, the daily jobs) together; Ctrl-C stops both.
run: seed
	@echo "Serving http://$(HOST):$(PORT)/ with a task worker (demo accounts: see README). Ctrl-C stops both."
	$(RUN_ENV) exec $(PY) manage.py devserver $(HOST):$(PORT)

worker: migrate
	$(RUN_ENV) $(PY) manage.py schedule_jobs
	$(RUN_ENV) $(PY) manage.py db_worker --queue-name '*'

# PYTEST_ARGS passes options to pytest, e.g. make test PYTEST_ARGS="-m 'not quickstart'".
test: venv
	$(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The benchmark (docs/performance.md): PostgreSQL when DATABASE_URL is set, else SQLite;
# `make bench DB=sqlite` forces SQLite. BENCH_ARGS passes options to `python -m bench`.
bench: venv
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }; } || \
	  echo "wrk is not installed: using the built-in Python load generator"
	$(PY) -m bench $(if $(DB),--db $(if $(filter sqlite,$(DB)),sqlite,postgres)) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

# A bounded load run on loopback: search and review submission together against gunicorn,
# then every summary must equal a recount (tests/load/loadcheck.py; SECURITY.md).
LOAD_SECONDS ?= 60
LOAD_CONNECTIONS ?= 64
.PHONY: loadcheck
loadcheck: venv
	$(PY) tests/load/loadcheck.py --seconds $(LOAD_SECONDS) --connections $(LOAD_CONNECTIONS)
