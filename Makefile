# Upwatch: `make run` starts the app, `make test` sets up everything and runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_TIMEOUT ?= 1200

.PHONY: run test check lint types contracts bench system-deps format clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,server]'
	@touch $(STAMP)

## run: start Upwatch on its defaults (local SQLite in the user data dir, no server)
run: $(STAMP)
	@if [ -z "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		echo "No display found: starting the headless runner (the tray app needs a desktop session)."; \
	fi
	$(BIN)/upwatch run

## system-deps: Debian packages the tests use (installed only when missing, as root)
system-deps:
	@bash .ci/system-deps

## test: install what the tests need, then lint, types, contracts and the whole suite
test: $(STAMP) system-deps check
	timeout -k 10 $(TEST_TIMEOUT) $(BIN)/python -m pytest -q -p no:cacheprovider

## check: ruff (lint + format), mypy --strict, import-linter contracts
check: lint types contracts

lint: $(STAMP)
	$(BIN)/ruff check shared desktop sync_server tests bench
	$(BIN)/ruff format --check shared desktop sync_server tests bench

types: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format shared desktop sync_server tests bench
	$(BIN)/ruff check --fix shared desktop sync_server tests bench

## bench: the engine benchmark (1000 monitors at 20 s for 60 s by default)
bench: $(STAMP)
	$(BIN)/python bench/engine.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
