# The two commands: `make run` (install, migrate, demo team, web server + huey consumer) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py

.PHONY: install run test lint typecheck bench bench-smoke

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) demo
	@echo "Dashboard: http://127.0.0.1:8000/  (Ctrl-C stops the web server and the huey consumer)"
	$(MANAGE) run_huey & consumer=$$!; trap 'kill $$consumer 2>/dev/null; wait $$consumer' EXIT INT TERM; \
		$(MANAGE) runserver 127.0.0.1:8000

test: install
	$(PY) -m pytest

lint: install
	$(PY) -m ruff check .

# mypy over services, selectors and the API (the file list and settings are in pyproject.toml).
typecheck: install
	$(PY) -m mypy

# Benchmarks run against PostgreSQL and Redis (in a scratch database); see the README.
BENCH_ENV := DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} REDIS_URL=$${BENCH_REDIS_URL:-redis://127.0.0.1:6379/1}

bench: install
	$(BENCH_ENV) $(PY) -m bench

bench-smoke: install
	$(PY) -m bench --smoke
