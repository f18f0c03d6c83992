# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CONFIG ?= config.toml
DEMO := var/demo/pmb-export.mrc
PARTNER_DEMO := var/demo/partner-export.mrc
HOST ?= 127.0.0.1
PORT ?= 5000
## The demo's mail sink: a free port unless given (two `make run` on one machine each get
## their own sink, and their app and scheduler send to it through $CATALOGUE_SMTP_PORT).
ifndef MAIL_PORT
MAIL_PORT := $(shell $(PYTHON) -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
endif
## The address the app announces (links, feeds, mails, the OAI baseURL) is the one it is
## served on, unless config.toml sets [catalogue] base_url (a deployment behind a proxy).
ANNOUNCED := $(if $(filter 0.0.0.0 ::,$(HOST)),$(shell hostname -f 2>/dev/null || hostname),$(HOST))
RUN_ENV := CATALOGUE_BASE_URL=http://$(ANNOUNCED):$(PORT) CATALOGUE_SMTP_PORT=$(MAIL_PORT)
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
## Every direct and transitive dependency pinned (`make lock` refreshes it): both README
## commands and CI install through it, so a new release never changes main by itself.
LOCK := requirements.lock
## Test worker processes (pytest-xdist) of the suite, PostgreSQL and tantivy passes: a test
## waits on servers, subprocesses and Chromium about half of its time, so three workers keep
## two cores busy. TEST_WORKERS=0 runs each pass in one process. Each pass lists its 20
## slowest tests (--durations), where the suite's time goes.
TEST_WORKERS ?= 3
XML_TESTS := tests/test_xml_breaks.py tests/test_marcxml.py tests/test_pmbxml.py tests/test_dublincore.py
LXML_OLDEST := $(shell sed -n 's/^ *lxml>=\([0-9.]*\),.*/\1/p' setup.cfg)
## The other maintained Whoosh: the Whoosh engine's speed-ups must work on it or step aside.
WHOOSH3 := 3.54.0
INDEX_TESTS := tests/test_index_writer.py tests/test_index_search.py tests/test_index_analysis.py \
	tests/test_index_searcher_memory.py
## The sites' tests that run once more with the tantivy engine behind the catalogue.
ENGINE_TESTS := $(wildcard tests/test_web_*.py tests/test_browser*.py tests/test_circulation*.py tests/test_dsi*.py \
	tests/test_questions*.py tests/test_documents*.py tests/test_veille*.py tests/test_territories.py)

.PHONY: run test install install-test lint typecheck unit unit-postgres unit-lxml-oldest unit-tantivy unit-whoosh3 bench clean lock test-latest

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

## The build backend comes from the lock too (no isolated build with whatever is newest).
BUILD := $(PIP) install -c $(LOCK) setuptools wheel && $(PIP) install --no-build-isolation

install: $(BIN)/python
	$(BUILD) -c $(LOCK) -e .

## Python test tools, then Debian's chromium (as root, when missing) and axe-core (npm).
install-test: $(BIN)/python
	$(BUILD) -c $(LOCK) -e '.[test,postgresql]'
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
	$(BIN)/catalogue --config $(CONFIG) documents demo-covers
	$(BIN)/catalogue --config $(CONFIG) reindex
	$(BIN)/catalogue --config $(CONFIG) circulation demo
	$(BIN)/catalogue --config $(CONFIG) sources
	@export $(RUN_ENV); \
	$(BIN)/catalogue --config $(CONFIG) mail sink & sink=$$!; \
	sleep 1; kill -0 $$sink 2>/dev/null || { echo "error: the mail sink did not start (make run MAIL_PORT=N picks its port)" >&2; exit 1; }; \
	$(BIN)/catalogue --config $(CONFIG) scheduler & scheduler=$$!; \
	trap 'kill $$scheduler $$sink 2>/dev/null; wait $$scheduler $$sink 2>/dev/null' EXIT INT TERM; \
	$(BIN)/catalogue --config $(CONFIG) serve --host $(HOST) --port $(PORT)

## Install what the tests need and run linters, type checks and the whole suite (the search
## contract on both engines), then every store-touching test again on PostgreSQL, the
## sites' tests (web, desk, DSI, browser) with the tantivy engine, the index tests under
## whoosh3, and the XML readers' tests under the oldest lxml that setup.cfg allows.
test: install-test lint typecheck unit unit-postgres unit-tantivy unit-whoosh3 unit-lxml-oldest

lint:
	$(BIN)/ruff check .

typecheck:
	$(BIN)/mypy

unit:
	$(BIN)/pytest -n $(TEST_WORKERS) --durations=20

## The store-touching tests on PostgreSQL: a throwaway cluster (Debian's postgresql, installed
## when missing and we are root) on a free port, a fresh database per test, all removed at
## the end. Where PostgreSQL cannot be had (not root, no apt-get) the pass says so and skips.
STORE_FREE := test_architecture test_charsets test_dublincore test_index_analysis test_marc21 \
	test_marcxml test_opac_params test_pmbxml test_real_files test_ris_bibtex test_unimarc \
	test_web_i18n test_xml_breaks
unit-postgres:
	@work=$$(mktemp -d "$${TMPDIR:-/tmp}/catalogue-pg.XXXXXX"); chmod 755 "$$work"; \
	url=$$(sh tests/postgres/cluster.sh start "$$work/cluster") && status=0 || status=$$?; \
	if [ $$status = 3 ]; then echo "PostgreSQL pass skipped: PostgreSQL cannot be installed here"; rm -rf "$$work"; exit 0; fi; \
	if [ $$status != 0 ]; then rm -rf "$$work"; exit $$status; fi; \
	trap 'sh tests/postgres/cluster.sh stop "$$work/cluster"; rm -rf "$$work"' EXIT INT TERM; \
	echo "PostgreSQL pass on $$url"; \
	CATALOGUE_TEST_POSTGRES="$$url" $(BIN)/pytest -p no:cacheprovider -n $(TEST_WORKERS) --durations=20 \
	    $(foreach t,$(STORE_FREE),--ignore=tests/$(t).py)

## The web, desk, DSI and browser tests with the tantivy engine behind the test sites.
unit-tantivy:
	CATALOGUE_TEST_ENGINE=tantivy $(BIN)/pytest -p no:cacheprovider -q -n $(TEST_WORKERS) --durations=20 $(ENGINE_TESTS)

## The index tests (Whoosh engine) under whoosh3 instead of whoosh-reloaded: both install
## the `whoosh` package, so whoosh3 goes in a venv of its own.
unit-whoosh3:
	test -x .venv-whoosh3/bin/python || $(PYTHON) -m venv .venv-whoosh3
	grep -v '^whoosh-reloaded==' $(LOCK) > .venv-whoosh3/constraints.txt
	.venv-whoosh3/bin/python -m pip --disable-pip-version-check -q install \
	    -c .venv-whoosh3/constraints.txt -e . pytest
	.venv-whoosh3/bin/python -m pip --disable-pip-version-check -q uninstall -y whoosh-reloaded
	.venv-whoosh3/bin/python -m pip --disable-pip-version-check -q install \
	    --force-reinstall --no-deps "whoosh3==$(WHOOSH3)"
	.venv-whoosh3/bin/python -c "import whoosh; print('whoosh3', whoosh.versionstring())"
	.venv-whoosh3/bin/pytest -q -p no:cacheprovider -k "not tantivy" $(INDEX_TESTS)

## The XML readers under the oldest lxml setup.cfg allows (the lock holds the newest).
unit-lxml-oldest:
	test -x .venv-lxml-oldest/bin/python || $(PYTHON) -m venv .venv-lxml-oldest
	grep -v '^lxml==' $(LOCK) > .venv-lxml-oldest/constraints.txt
	.venv-lxml-oldest/bin/python -m pip --disable-pip-version-check -q install \
	    -c .venv-lxml-oldest/constraints.txt -e . pytest "lxml==$(LXML_OLDEST)"
	.venv-lxml-oldest/bin/python -c "import lxml.etree as e; print('lxml', e.__version__)"
	.venv-lxml-oldest/bin/pytest -q $(XML_TESTS)

## The whole suite against the newest versions setup.cfg allows, in a venv of its own:
## run it before `make lock`, which moves the lock to those versions.
test-latest:
	test -x .venv-latest/bin/python || $(PYTHON) -m venv .venv-latest
	.venv-latest/bin/python -m pip --disable-pip-version-check -q install --upgrade -e '.[test]'
	sh tests/browser/install.sh
	.venv-latest/bin/pytest

## Refresh the lock from setup.cfg's ranges (newest versions allowed), for every extra.
lock: $(BIN)/python
	$(PIP) install 'pip-tools>=7.4,<8'
	$(BIN)/pip-compile -q --upgrade --strip-extras --allow-unsafe --all-build-deps \
	    --extra test --extra postgresql \
	    --no-emit-index-url --no-emit-find-links --output-file $(LOCK) setup.cfg

bench: install
	$(BIN)/python bench/import.py

clean:
	rm -rf $(VENV) .venv-latest .venv-lxml-oldest .venv-whoosh3 var build *.egg-info .mypy_cache .ruff_cache .pytest_cache tests/browser/node_modules
