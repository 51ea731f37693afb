# Quick start: `make run` (the pipeline over seeds/ into reports/) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test lint bench clean clean-state

run: $(INSTALLED)
	$(BIN)/usrok run

test: lint
	$(BIN)/python -m pytest

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

clean-state:
	rm -rf .usrok

clean: clean-state
	rm -rf $(VENV)
