# One entry point for people and CI. `make demo` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_LAKE ?= demo-lake
# Until `biolake demo` exists: real-shaped sample exports from the test fixtures.
DEMO_EXPORTS := tests/fixtures/healthkit/synthetic_v13dtd_1day.xml tests/fixtures/healthkit/simonw_tests_export.xml \
	tests/fixtures/cgm/dexcom_clarity_g6_12col_bom_excerpt_cgmquantify.csv \
	tests/fixtures/cgm/dexcom_g7_14col_mgdl_synthetic.csv tests/fixtures/cgm/libreview_uk_mmol_excerpt_Warren8824.csv

.PHONY: help venv demo test test-fast lint format bench clean

help:
	@echo "make demo   - set up .venv, ingest the bundled sample exports into ./$(DEMO_LAKE), show status"
	@echo "make test   - set up .venv, run ruff, mypy and the whole test suite (slow cases included)"
	@echo "make bench  - side-by-side ingest benchmark against healthkit-to-sqlite"
	@echo "make lint   - ruff and mypy only"

$(STAMP): requirements.lock pyproject.toml hatch_build.py src/biolake/sources/apple_health/_fastparse.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	rm -rf $(DEMO_LAKE)
	$(BIN)/biolake --lake $(DEMO_LAKE) init
	$(BIN)/biolake --lake $(DEMO_LAKE) ingest $(DEMO_EXPORTS) --tz America/New_York
	$(BIN)/biolake --lake $(DEMO_LAKE) ingest tests/fixtures/iglu --tz Etc/GMT+5
	$(BIN)/biolake --lake $(DEMO_LAKE) status
	$(BIN)/biolake --lake $(DEMO_LAKE) sql "SELECT subject_id, count(*) AS readings, round(avg(glucose_mgdl), 1) AS mean_mgdl FROM glucose_readings GROUP BY subject_id ORDER BY subject_id"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

test: lint
	$(BIN)/pytest -n 2

test-fast: $(STAMP)
	$(BIN)/pytest -n 2 -m "not slow"

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_healthkit.py --sizes 150,300 --check

clean:
	rm -rf $(VENV) $(DEMO_LAKE) .pytest_cache .mypy_cache .ruff_cache
