# The two commands: `make run` (install, migrate, demo team, web server + huey consumer) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py

PORT ?= 8000

.PHONY: install install-dev port-free run test lint typecheck bench bench-smoke

# What running needs (requirements.txt); the test tools (requirements-dev.txt) come with `make test`.
$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

port-free:
	@$(PYTHON) scripts/port_free.py $(PORT)

run: port-free install
	@PORT=$(PORT) scripts/run.sh

test: install-dev
	$(PY) -m pytest

lint: install-dev
	$(PY) -m ruff check .

# Types over services, selectors and the API dialects (configuration in pyproject.toml).
typecheck: install-dev
	$(PY) -m mypy

# Benchmarks run against PostgreSQL and Redis (in a scratch database); see the README.
BENCH_ENV := DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} REDIS_URL=$${BENCH_REDIS_URL:-redis://127.0.0.1:6379/1}

bench: install-dev
	$(BENCH_ENV) $(PY) -m bench

bench-smoke: install-dev
	$(PY) -m bench --smoke
