# Entry points. `make demo` and `make test` each set up everything they need
# from a fresh clone: a pinned uv in .tools/, the locked environment in .venv/,
# the dbt manifest, and (for the demo) the demo portal databases.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
DBT_DIR := dbt_project
MANIFEST := $(DBT_DIR)/target/manifest.json
DBT_SOURCES := $(shell find $(DBT_DIR)/models $(DBT_DIR)/macros $(DBT_DIR)/tests \
	$(DBT_DIR)/seeds -type f 2>/dev/null) $(DBT_DIR)/dbt_project.yml $(DBT_DIR)/profiles.yml

# Telemetry off, everywhere; Dagster's own switch is in dagster_home/dagster.yaml.
export DAGSTER_HOME := $(CURDIR)/dagster_home
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
# This machine sets PYTHONDONTWRITEBYTECODE; compiled bytecode halves start-up.
export UV_COMPILE_BYTECODE := 1
export UV_PYTHON_DOWNLOADS := never

.PHONY: help setup demo demo-data dev test lint format validate clean bench-extract bench-models bench-validation \
	browser

help:
	@echo "make demo   set up, build the demo portals, run the pipeline, print NPS per portal"
	@echo "make test   set up, lint, and run the tests"
	@echo "make dev    set up and open the Dagster UI on http://127.0.0.1:3000"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

$(MANIFEST): $(VENV)/.synced $(DBT_SOURCES)
	cd $(DBT_DIR) && ../$(BIN)/dbt parse --profiles-dir . --quiet

setup: $(VENV)/.synced $(MANIFEST)

demo-data: setup
	$(BIN)/python -m orchestration.demo

# The demo portals are a snapshot that ends on 2026-11-30: their freshness and
# volume checks are judged as of the next morning unless NPS_QUALITY_AS_OF is set.
demo dev: export NPS_QUALITY_AS_OF ?= 2026-12-01T06:00:00+01:00

demo: demo-data
	$(BIN)/dagster job execute -m orchestration.definitions -j nps_pipeline
	$(BIN)/python -m orchestration.summary

dev: demo-data
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

validate: setup
	$(BIN)/dagster definitions validate -w workspace.yaml

# The dbt templater compiles the models against an in-memory DuckDB, so linting
# never opens the warehouse.
lint: setup
	$(BIN)/ruff check --no-cache .
	$(BIN)/ruff format --no-cache --check .
	NPS_WAREHOUSE_PATH=:memory: $(BIN)/sqlfluff lint $(DBT_DIR)/models $(DBT_DIR)/tests

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .
	NPS_WAREHOUSE_PATH=:memory: $(BIN)/sqlfluff fix $(DBT_DIR)/models $(DBT_DIR)/tests

# The browser tests drive Debian's Chromium through Playwright (never `playwright
# install`, which downloads browsers): install the package when it is missing.
browser:
	@command -v chromium >/dev/null 2>&1 || apt-get install -y --no-install-recommends chromium \
		|| (apt-get update && apt-get install -y --no-install-recommends chromium) \
		|| { echo "error: the browser tests need Debian's chromium package" >&2; exit 1; }

test: lint validate browser
	$(BIN)/python -m pytest

# Extraction benchmark against a local PostgreSQL (not part of `make test`);
# BENCH_ARGS="--rows 500000 --repeats 1" for a quick run.
bench-extract: setup
	$(BIN)/python bench/extract_benchmark.py $(BENCH_ARGS)

# dbt models on 10 thousand and 10 million synthetic responses against a plain
# DuckDB query (not part of `make test`); BENCH_ARGS="--large 1000000" for a quick run.
bench-models: setup
	$(BIN)/python bench/models_benchmark.py $(BENCH_ARGS)

# Validating a 10-million-row raw table next to the dbt build of the same data.
bench-validation: setup
	$(BIN)/python bench/validation_benchmark.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(TOOLS) $(DBT_DIR)/target data
