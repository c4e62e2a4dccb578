# The two commands of the README's quick start:
#   make run    set up, then run the nightly job once on the embedded warehouse and the sample city
#   make test   set up, then run the whole test suite (what CI runs)
# Everything else here is what those two need; `make help` lists it.

UV_VERSION := 0.13.8
PYTHON     ?= python3
UV         := $(PYTHON) -m uv
VENV       := .venv
BIN        := $(VENV)/bin
DATE       ?=

.PHONY: help setup run test test-quick lint format docs bench browser clean-warehouse

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

# uv from PyPI, pinned; the environment exactly as uv.lock says (no resolution on install).
# A developer's environment has every extra (the deployment's, S3, pandas) and the dev tools:
# the tests cover them all. The runtime set alone is pyproject's `dependencies`. Bytecode is
# compiled at install: every `munifund` process imports Airflow and dbt (DAG parse 1.1 s cold,
# 0.45 s compiled).
$(BIN)/munifund: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv==$(UV_VERSION)"
	$(UV) sync --frozen --all-extras --compile-bytecode --python 3.11
	@touch $@

setup: $(BIN)/munifund dbt_project/target/manifest.json ## install the locked environment and parse the dbt project

dbt_project/target/manifest.json: $(BIN)/munifund $(shell find dbt_project/models dbt_project/macros dbt_project/seeds dbt_project/tests -type f 2>/dev/null) dbt_project/dbt_project.yml
	$(BIN)/python -c "from munifund.dbt_project import ensure_manifest; ensure_manifest(force=True)"

run: setup ## run the nightly DAG once (DATE=YYYY-MM-DD, default today in Asia/Shanghai) on the sample city
	$(BIN)/munifund run $(if $(DATE),--date $(DATE))

# Debian's Chromium for the review page's browser test (the only system package the tests need)
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "cjk"; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "the browser test needs Debian's chromium and fonts-noto-cjk: sudo apt-get install -y chromium fonts-noto-cjk"; exit 1; fi; fi

# One worker per core (pytest-xdist), a test module per worker at a time: each worker has its own
# embedded warehouse and Airflow home (tests/conftest.py), and the slowest modules start first.
test: setup browser ## the whole test suite, as CI runs it (lint and format check first)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n auto --dist loadfile

test-quick: setup ## the tests without the end-to-end Airflow runs
	$(BIN)/python -m pytest -n auto --dist loadfile -m "not e2e and not integration"

lint: setup ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# dbt documents the whole project; the analysts' page keeps what the analyst role reads (the
# published tables, their columns, the exposures) and the raw sources, and drops the internals.
docs: setup ## analysts' docs (published tables, exposures): generate, serve on http://127.0.0.1:8080
	$(BIN)/munifund dbt docs generate
	$(BIN)/python -m munifund.publication.analyst_docs
	$(BIN)/python -m http.server 8080 --bind 127.0.0.1 --directory dbt_project/target/analyst_docs

bench: setup ## benchmarks (minutes): loader, allocation build, a what-if scenario
	$(BIN)/python -m bench

clean-warehouse: ## stop the embedded warehouse
	-$(BIN)/munifund warehouse stop
