# Quick start: `make run` (the pipeline over seeds/ into reports/) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test lint browser postgresql bench clean clean-state

run: $(INSTALLED)
	$(BIN)/usrok run

test: lint browser postgresql
	$(BIN)/python -m pytest

# The browser tests drive Debian's Chromium (never a browser download of the test tool's own).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# The PostgreSQL store is tested against Debian's server, which the tests start on loopback.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }

lint: $(INSTALLED)
	$(BIN)/ruff check src flows tests scripts
	$(BIN)/ruff format --check src flows tests scripts
	$(BIN)/mypy

$(INSTALLED): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(INSTALLED)

bench: $(INSTALLED)
	$(BIN)/python scripts/benchmark.py
	$(BIN)/python scripts/bench_runs.py

clean-state:
	rm -rf .usrok

clean: clean-state
	rm -rf $(VENV)
