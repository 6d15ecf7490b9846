# Upwatch: `make run` starts the app, `make test` sets up everything and runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-app
TEST_TIMEOUT ?= 1800
PACKAGE_TIMEOUT ?= 600

.PHONY: run test check lint types contracts bench screenshots system-deps format clean package package-test audit

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,server]'
	@touch $(STAMP) $(RUN_STAMP)

# The app alone: no test, lint or server packages.
$(RUN_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $(RUN_STAMP)

## run: start Upwatch on its defaults (local SQLite in the user data dir, no server)
run: $(RUN_STAMP)
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] || [ "$$(uname)" = Darwin ]; then \
		$(BIN)/upwatch app; \
	else \
		echo "No display found: starting the headless runner instead of the tray app."; \
		$(BIN)/upwatch run; \
	fi

## system-deps: Debian packages the tests use (installed only when missing, as root)
system-deps:
	@bash .ci/system-deps

## test: install what the tests need, then lint, types, contracts and the whole suite
# Qt test files run one process each: every test gets a qasync loop over one QApplication,
# and Qt objects freed by the garbage collector between files crashed pytest-qt's
# processEvents now and then (see tests/desktop/ui/conftest.py).
test: $(STAMP) system-deps check
	timeout -k 10 $(TEST_TIMEOUT) $(BIN)/python -m pytest -q -p no:cacheprovider --ignore=tests/desktop/ui
	@set -e; for file in tests/desktop/ui/test_*.py; do \
		echo "== $$file"; \
		timeout -k 10 300 $(BIN)/python -m pytest -q -p no:cacheprovider "$$file"; \
	done
	@$(MAKE) --no-print-directory package package-test

## package: a one-folder app bundle (tray app and CLI) in dist/upwatch with PyInstaller
package: $(STAMP)
	@set -e; start=$$(date +%s); \
	timeout -k 10 $(PACKAGE_TIMEOUT) $(BIN)/pyinstaller --noconfirm --clean --log-level WARN \
		packaging/upwatch.spec; \
	echo "Bundle dist/upwatch: $$(du -sh dist/upwatch | cut -f1), built in $$(( $$(date +%s) - start )) s"

## package-test: the bundle's --version and --self-test offscreen, with an empty home and no venv
package-test:
	@set -e; home=$$(mktemp -d); trap 'rm -rf "$$home"' EXIT; \
	for flag in --version --self-test; do \
		echo "== dist/upwatch/upwatch $$flag"; \
		timeout -k 10 120 env -i HOME="$$home" PATH=/usr/bin:/bin LANG=C.UTF-8 \
			dist/upwatch/upwatch $$flag; \
	done

## check: ruff (lint + format), mypy --strict, import-linter contracts
check: lint types contracts

lint: $(STAMP)
	$(BIN)/ruff check shared desktop sync_server tests bench packaging
	$(BIN)/ruff format --check shared desktop sync_server tests bench packaging

types: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format shared desktop sync_server tests bench packaging
	$(BIN)/ruff check --fix shared desktop sync_server tests bench packaging

## audit: known vulnerabilities (pip-audit) in the packages installed in .venv; fails if any cannot be checked
audit: $(STAMP)
	@$(BIN)/python -m pip show --quiet pip-audit >/dev/null 2>&1 || $(BIN)/python -m pip install --quiet pip-audit
	$(BIN)/pip-audit --local --strict --skip-editable --progress-spinner off

## screenshots: the real app under Xvfb with a tray host; PNGs into docs/screenshots/
screenshots: $(STAMP)
	bash .ci/screenshots

## bench: the engine and UI benchmarks (1000 monitors at 20 s, 60 s windows; ~4 min)
bench: $(STAMP)
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/ui.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
