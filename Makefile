# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONFIG ?= config.toml
DEMO := var/demo/pmb-export.mrc
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: run test install install-test lint typecheck unit bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(PIP) install -e .

install-test: $(BIN)/python
	$(PIP) install -e '.[test]'

## Set up, generate the demo PMB export, import it (the web app joins with the search issue).
run: install
	$(BIN)/catalogue --config $(CONFIG) demo --output $(DEMO)
	$(BIN)/catalogue --config $(CONFIG) import $(DEMO) --source crpv --full
	$(BIN)/catalogue --config $(CONFIG) sources

## Install what the tests need and run linters, type checks and the whole suite.
test: install-test lint typecheck unit

lint:
	$(BIN)/ruff check .

typecheck:
	$(BIN)/mypy

unit:
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/import.py

clean:
	rm -rf $(VENV) var build *.egg-info .mypy_cache .ruff_cache .pytest_cache
