# One entry point for people and CI. `make demo` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_LAKE ?= lake

.PHONY: help venv demo test test-fast lint format bench bench-demo bench-ml bench-ask bench-fhir bench-glucose clean

help:
	@echo "make demo   - set up .venv, generate a year of demo exports, ingest and build ./$(DEMO_LAKE), show status, write the weekly and AGP reports"
	@echo "make test   - set up .venv, run ruff, mypy and the whole test suite (slow cases included)"
	@echo "make bench  - side-by-side ingest benchmark against healthkit-to-sqlite"
	@echo "make bench-demo - 5-year demo, generated and ingested: wall time and peak RSS (floor 60 s)"
	@echo "make bench-ml - readiness predictor: train + walk-forward backtest on 5 years (floor 60 s)"

	@echo "make bench-fhir - 5-year raw FHIR export (NDJSON and Bundle): wall time and peak RSS (bounded)"

	@echo "make bench-glucose - glucose catalogue, 100 subjects x 90 days, vs iglu-python (floor 20x)"
	@echo "make lint   - ruff and mypy only"

$(STAMP): requirements.lock pyproject.toml hatch_build.py src/biolake/sources/apple_health/_fastparse.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

# Deterministic (seed 0, ending 2026-11-14): running it again on the same lake imports nothing new.
demo: $(STAMP)
	$(BIN)/biolake --lake $(DEMO_LAKE) demo
	$(BIN)/biolake --lake $(DEMO_LAKE) status
	$(BIN)/biolake --lake $(DEMO_LAKE) report weekly --pdf
	$(BIN)/biolake --lake $(DEMO_LAKE) report agp --pdf

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks scripts
	$(BIN)/ruff check --fix src tests benchmarks scripts

test: lint
	$(BIN)/pytest -n 2

test-fast: $(STAMP)
	$(BIN)/pytest -n 2 -m "not slow"

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_healthkit.py --sizes 150,300 --check

bench-demo: $(STAMP)
	$(BIN)/python benchmarks/bench_demo.py --check

bench-ml: $(STAMP)
	$(BIN)/python benchmarks/bench_ml.py --check

# biolake ask: execution accuracy (offline >= 90 % in scope, every out-of-scope question declined), latency
bench-ask: $(STAMP)
	$(BIN)/python benchmarks/ask/run.py --engine both --check

bench-fhir: $(STAMP)
	$(BIN)/python benchmarks/bench_fhir.py --check

bench-glucose: $(STAMP)
	$(BIN)/python benchmarks/bench_glucose.py --check

clean:
	rm -rf $(VENV) demo-exports .pytest_cache .mypy_cache .ruff_cache
