# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONFIG ?= config.toml
DEMO := var/demo/pmb-export.mrc
PARTNER_DEMO := var/demo/partner-export.mrc
HOST ?= 127.0.0.1
PORT ?= 5000
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: run test install install-test lint typecheck unit bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(PIP) install -e .

## Python test tools, then Debian's chromium (as root, when missing) and axe-core (npm).
install-test: $(BIN)/python
	$(PIP) install -e '.[test]'
	sh tests/browser/install.sh

## Set up, generate the demo PMB export and a partner centre's (sharing some books), import
## them, build the search index, add the desk's
## demo borrowers, librarian and loans (password in var/demo/staff-password.txt), then serve the
## catalogue on http://$(HOST):$(PORT) in the foreground, the scheduler and the demo's mail
## sink (messages kept in var/mail) running beside it (Ctrl-C stops all three).
run: install
	$(BIN)/catalogue --config $(CONFIG) demo --output $(DEMO)
	$(BIN)/catalogue --config $(CONFIG) import $(DEMO) --source crpv --full
	$(BIN)/catalogue --config $(CONFIG) demo --partner --output $(PARTNER_DEMO)
	$(BIN)/catalogue --config $(CONFIG) import $(PARTNER_DEMO) --source grenoble --full
	$(BIN)/catalogue --config $(CONFIG) reindex
	$(BIN)/catalogue --config $(CONFIG) circulation demo
	$(BIN)/catalogue --config $(CONFIG) sources
	@$(BIN)/catalogue --config $(CONFIG) mail sink & sink=$$!; \
	$(BIN)/catalogue --config $(CONFIG) scheduler & scheduler=$$!; \
	trap 'kill $$scheduler $$sink 2>/dev/null; wait $$scheduler $$sink 2>/dev/null' EXIT INT TERM; \
	$(BIN)/catalogue --config $(CONFIG) serve --host $(HOST) --port $(PORT)

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
	rm -rf $(VENV) var build *.egg-info .mypy_cache .ruff_cache .pytest_cache tests/browser/node_modules
