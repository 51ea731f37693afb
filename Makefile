# Quick start: `make run` (the pipeline over seeds/ into reports/) and `make test`.
# uv installs the exact versions of uv.lock into .venv; it is installed with pip when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV ?= $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
UV_VERSION := 0.13.9
SYNC := UV_PYTHON_DOWNLOADS=never $(UV) sync --frozen --quiet --python $(PYTHON)
APT_INSTALL := DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends

.PHONY: run test lint dev locked browser postgresql bench clean clean-state

# While seeds/ is as committed, its run is dated by the seeds' last commit, not by the clock
# (SOURCE_DATE_EPOCH), so that the committed report is rebuilt byte for byte.
SEEDS_EPOCH = $(shell git diff --quiet HEAD -- seeds 2>/dev/null \
	&& test -z "$$(git ls-files --others --exclude-standard -- seeds)" \
	&& git log -1 --format=%ct -- seeds)

run: $(UV)
	$(SYNC) --no-dev --inexact
	SOURCE_DATE_EPOCH=$(SEEDS_EPOCH) $(BIN)/usrok run

test: lint browser postgresql
	$(BIN)/python -m pytest

# The lock must say what pyproject.toml asks for: a change to one without the other fails here.
locked: $(UV)
	UV_PYTHON_DOWNLOADS=never $(UV) lock --check --python $(PYTHON)

dev: locked
	$(SYNC)

# The browser tests drive Debian's Chromium (never a browser download of the test tool's own).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && $(APT_INSTALL) chromium; }

# The PostgreSQL store is tested against Debian's server, which the tests start on loopback.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update -qq && $(APT_INSTALL) postgresql; }

lint: dev
	$(BIN)/ruff check src flows tests scripts
	$(BIN)/ruff format --check src flows tests scripts
	$(BIN)/mypy

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

bench: dev
	$(BIN)/python scripts/benchmark.py
	$(BIN)/python scripts/bench_runs.py

clean-state:
	rm -rf .usrok

clean: clean-state
	rm -rf $(VENV) .tools
