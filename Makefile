# Two commands on a fresh clone: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

RUNTIME_LOCK := requirements/runtime.lock
DEV_LOCK := requirements/dev.lock
BUILD_LOCK := requirements/build.lock
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check
UV := $(BIN)/uv
# Wheels are kept in a wheelhouse outside the clone and installed from it offline (hashes checked as always):
# pip's own HTTP cache keeps nothing on the CI machine (~/.cache/pip stays empty), so every fresh clone
# fetched about 100 wheels one by one, 90-250 s of waiting. A lock naming a wheel the wheelhouse lacks
# fills it first (`pip download`, the registry needed once per new pin).
WHEELHOUSE ?= $(HOME)/.cache/briefing/wheels
# uv installs them (scripts/bootstrap_uv.py puts the locked uv into an environment made without pip): about
# 4 s for the whole environment, where ensurepip and pip took 17 s (27 s beside .ci/run's npm installs).
# uv does not byte-compile (pip's --no-compile): what the project imports is compiled on first import, or
# restored from the bytecode cache below.
OFFLINE := --require-hashes --no-deps --offline --no-index --find-links $(WHEELHOUSE)
fill_wheelhouse = echo "make: filling the wheelhouse $(WHEELHOUSE) from the registry for $(1)"; \
	{ $(PIP) --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --default-pip >/dev/null; } && \
	$(PIP) download --require-hashes --no-deps --dest $(WHEELHOUSE) -r $(1)
install_lock = $(UV) pip install --quiet --python $(BIN)/python $(OFFLINE) -r $(1) 2>/dev/null || { \
	$(call fill_wheelhouse,$(1)) && $(UV) pip install --quiet --python $(BIN)/python $(OFFLINE) -r $(1); }
# Compiled bytecode of the environment's packages and of the project, kept outside the clone per source
# content (scripts/bytecode_cache.py): restored when the environment is built, saved after `make test`.
BYTECODE_CACHE ?= $(HOME)/.cache/briefing/bytecode
PROJECT_CODE := app tests scripts bench migrations
bytecode_cache = $(BIN)/python scripts/bytecode_cache.py $(1) $(BYTECODE_CACHE) $(PROJECT_CODE)
PIP_AUDIT_VERSION := 2.10.1

.PHONY: run test test-fast lint typecheck pytest hadolint spec-lint fuzz bench bench-search bench-uncached \
	bench-cache soak faults audit lock \
	clean seed check-seeds openapi generate client screenshots

# The runtime environment: built from the lock file, rebuilt only when the lock changes.
# Every package, the build backend included, comes from a lock file with hashes.
$(BIN)/.runtime-installed: $(RUNTIME_LOCK) $(BUILD_LOCK) pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	  || { echo "make: Python 3.11 or newer is needed (found $$($(PYTHON) -V))"; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null \
	  || { echo "make: $(PYTHON) cannot create virtual environments; install the python3-venv package"; exit 1; }
	$(PYTHON) -m venv --clear --without-pip $(VENV)
	$(BIN)/python scripts/bootstrap_uv.py $(BUILD_LOCK) $(WHEELHOUSE) $(VENV) || { [ $$? -eq 3 ] && \
	  { $(call fill_wheelhouse,$(BUILD_LOCK)); } && $(BIN)/python scripts/bootstrap_uv.py $(BUILD_LOCK) $(WHEELHOUSE) $(VENV); }
	$(call install_lock,$(BUILD_LOCK))
	$(call install_lock,$(RUNTIME_LOCK))
	$(UV) pip install --quiet --python $(BIN)/python --offline --no-deps --no-build-isolation -e .
	$(call bytecode_cache,restore)
	touch $@

$(BIN)/.dev-installed: $(DEV_LOCK) $(BIN)/.runtime-installed
	$(call install_lock,$(DEV_LOCK))
	$(call bytecode_cache,restore)
	touch $@

## make run: install from the lock, migrate, seed (idempotent), serve on $(HOST):$(PORT) without reload.
run: $(BIN)/.runtime-installed
	$(BIN)/briefing db upgrade
	$(BIN)/briefing seed
	exec $(BIN)/briefing serve --host $(HOST) --port $(PORT)

## make test: lint, format check, type check, Dockerfile lint, OpenAPI lint and every test.
## make test: the static checks (lint, format, types, Dockerfile, OpenAPI: one process at a time, about 8 s
## of CPU) run beside the tests, not before them, at a lower priority (nice): the tests' start-up is one
## process at a time, and the checks fill the time the tests leave a core idle. Their output follows the
## tests', and either failing fails. Then the bytecode compiled on the way is saved for the next fresh
## environment.
test: $(BIN)/.dev-installed
	@checks_log=$$(mktemp); \
	nice -n 10 $(MAKE) --no-print-directory lint typecheck hadolint spec-lint >"$$checks_log" 2>&1 & checks=$$!; \
	$(MAKE) --no-print-directory pytest; tests=$$?; \
	wait $$checks; static=$$?; cat "$$checks_log"; rm -f "$$checks_log"; \
	$(call bytecode_cache,save); \
	if [ $$static -ne 0 ]; then echo "make test: the static checks failed (exit $$static)" >&2; fi; \
	exit $$(( tests != 0 || static != 0 ))

lint: $(BIN)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/.dev-installed
	$(BIN)/mypy

hadolint: $(BIN)/.dev-installed
	$(BIN)/hadolint Dockerfile

spec-lint: $(BIN)/.dev-installed
	bash scripts/spec-lint.sh

# Two pytest-xdist workers (the machine has two cores), dealt whole modules (--dist loadscope), so that a
# module's data set (the query-plan tests build synthetic ones) is built once, longest modules first
# (tests/conftest.py SLOWEST_FIRST; --no-loadscope-reorder keeps that order). (--dist loadgroup would deal
# finer, but pytest-xdist 3.8 cannot tag its groups on pytest 9's node ids.) PYTEST_WORKERS=0: one process.
PYTEST_WORKERS ?= 2
pytest: $(BIN)/.dev-installed
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadscope --no-loadscope-reorder

## make test-fast: the edit loop: SQLite only, no slow tests (Schemathesis, subprocesses), no lint or type
## check; ARGS=... passes more pytest arguments (a file, -x, -k ...).
test-fast: $(BIN)/.dev-installed
	$(BIN)/pytest -q -m "not slow" -k "not postgres" $(ARGS)

check-seeds: $(BIN)/.runtime-installed
	$(BIN)/briefing seed --check

openapi: $(BIN)/.dev-installed
	$(BIN)/briefing openapi > openapi.json

## make client: regenerate the TypeScript client's types (clients/typescript/src/schema.d.ts) from openapi.json.
client:
	@command -v npm >/dev/null || { echo "make client: needs node (>= 20.19) and npm"; exit 2; }
	cd clients/typescript && { [ -f node_modules/.package-lock.json ] && [ ! package-lock.json -nt node_modules/.package-lock.json ] \
	  || npm ci --no-audit --no-fund --ignore-scripts --loglevel=error; } && npm run --silent generate

## make screenshots: refresh docs/screenshots/ (the reader, desktop and mobile) with the browser tests.
screenshots: $(BIN)/.dev-installed
	BRIEFING_SCREENSHOTS=docs/screenshots $(BIN)/pytest tests/frontend/test_reader_browser.py -q -p no:randomly \
	  -k "screenshots and sqlite"

## make generate: rewrite every generated file (openapi.json, app/api/examples.json, seeds/schema.json,
## the README's CLI reference); tests/test_generated.py fails when one drifts.
generate: $(BIN)/.runtime-installed
	$(BIN)/python -m app.generate

## make fuzz: a longer Schemathesis run against a live server (500 examples per operation).
fuzz: $(BIN)/.dev-installed
	$(BIN)/python -m scripts.schemathesis_run --max-examples 500

bench: $(BIN)/.dev-installed
	$(BIN)/python -m bench.run

## make bench-uncached: every request hits the database (response cache off), ours against Datasette on the
## same file; ARGS="--pairs 3 100000" alternates the two servers (the measure on a shared machine).
bench-uncached: $(BIN)/.dev-installed
	$(BIN)/python -m bench.uncached $(ARGS)

## make bench-cache: the response cache and hot path as a hostile client meets them (hot, burst, memory,
## flood; ARGS="hot" runs one).
bench-cache: $(BIN)/.dev-installed
	$(BIN)/python -m bench.cache $(ARGS)

## make bench-search: search engine options and search over HTTP at 1k and 100k rows vs Datasette.
bench-search: $(BIN)/.dev-installed
	$(BIN)/python -m bench.search

soak: $(BIN)/.dev-installed
	$(BIN)/python -m scripts.soak

## make faults: every fault check, (h) being 20 SIGKILLs aimed at the seed's write transaction
## (scripts.kill_seed --aim); add ARGS=--postgres for PostgreSQL.
faults: $(BIN)/.dev-installed
	$(BIN)/python -m scripts.faults $(ARGS)

## make audit: known vulnerabilities in the locked dependencies (needs the registry; not part of make test).
AUDIT_VENV := .venv-audit
audit:
	$(PYTHON) -m venv $(AUDIT_VENV)
	$(AUDIT_VENV)/bin/python -m pip install --quiet --disable-pip-version-check pip-audit==$(PIP_AUDIT_VERSION)
	$(AUDIT_VENV)/bin/pip-audit --strict --require-hashes --disable-pip -r $(RUNTIME_LOCK)
	$(AUDIT_VENV)/bin/pip-audit --strict --require-hashes --disable-pip -r $(DEV_LOCK)

## make lock: re-resolve both lock files (needs the package registry).
lock:
	$(PYTHON) -m pip install --quiet --target .lock-tools uv
	PYTHONPATH=.lock-tools .lock-tools/bin/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -o $(RUNTIME_LOCK)
	PYTHONPATH=.lock-tools .lock-tools/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o $(DEV_LOCK)
	PYTHONPATH=.lock-tools .lock-tools/bin/uv pip compile requirements/build.in --python-version 3.11 --generate-hashes -o $(BUILD_LOCK)

clean:
	rm -rf $(VENV) .lock-tools .mypy_cache .ruff_cache .pytest_cache data
