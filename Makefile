# The NVSI portal. `make run` and `make test` are the two set-up commands of the README.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := var/tools/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)
# Tests run with DEBUG off, as in production; they need a key, not a secret one.
TEST_ENV := SECRET_KEY=$${SECRET_KEY:-insecure-test-only-key-0123456789abcdefghijklmnopqrstuv} \
	BSN_ENCRYPTION_KEY=$${BSN_ENCRYPTION_KEY:-dGVzdC1vbmx5LWJzbi1rZXktMDEyMzQ1Njc4OWFiY2Q=}

.PHONY: help install install-browser run serve totp test test-browser lint format check-deploy \
        worker beat stop-db messages bench clean

help:
	@echo "make run           install, migrate, load the demo data, serve http://127.0.0.1:8000"
	@echo "make test          install and run the test suite (browser tests: make test-browser)"
	@echo "make test-browser  the Playwright tests in Debian's Chromium"
	@echo "make worker|beat   Celery worker / beat (needs REDIS_URL)"
	@echo "make lint|format   ruff"
	@echo "make bench         the benchmarks in bench/"
	@echo "make totp EMAIL=...  current two-factor code of a demo account"
	@echo "make stop-db       stop the embedded PostgreSQL under var/"

$(UV):
	$(PYTHON) -m venv var/tools
	var/tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	UV_PYTHON_DOWNLOADS=never $(UV) sync --frozen --python $(PYTHON) --quiet
	@touch $@

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po
	msgfmt --check-format -o $@ $<

install:
	@scripts/install-system-packages
	@$(MAKE) --no-print-directory $(UV) $(VENV)/.synced $(MO_FILES)

install-browser: install
	@scripts/install-system-packages --browser

run: install
	DEBUG=1 $(MANAGE) migrate --no-input
	DEBUG=1 $(MANAGE) seed_demo
	DEBUG=1 $(MANAGE) runserver 127.0.0.1:8000

totp:
	@DEBUG=1 $(MANAGE) demo_totp $(EMAIL)

serve:
	DEBUG=1 $(MANAGE) runserver 127.0.0.1:8000

test: install
	$(TEST_ENV) $(PY) -m pytest -m "not browser" --durations=15 $(PYTEST_ARGS)

test-browser: install-browser
	$(TEST_ENV) $(PY) -m pytest -m browser $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: install
	$(VENV)/bin/celery -A nvsi_portal worker --loglevel=INFO --concurrency=$${CELERY_CONCURRENCY:-2}

beat: install
	$(VENV)/bin/celery -A nvsi_portal beat --loglevel=INFO

stop-db:
	@$(PY) -c "from pathlib import Path; from nvsi_portal.embedded_db import embedded_database_stop as s; print('stopped' if s(var_dir=Path('var')) else 'not running')"

messages: install
	DEBUG=1 $(MANAGE) makemessages -l nl --ignore=.venv --ignore=var --no-obsolete
	@$(MAKE) --no-print-directory $(MO_FILES)

bench: install
	$(TEST_ENV) $(PY) bench/run.py

clean:
	rm -rf $(VENV) var/tools
