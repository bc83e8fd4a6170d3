# Two commands for a fresh machine:
#   make run   — create .venv, install from PyPI, run the default study into out/
#   make test  — create .venv, install with test extras, ruff, mypy, every test (slow ones too)
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test test-fast lint bench docs clean

$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

run: $(VENV)/.installed
	$(BIN)/carlcities run --out out/

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests
	$(BIN)/mypy src/carlcities

test: lint
	$(BIN)/python -m pytest -q

test-fast: $(VENV)/.installed
	$(BIN)/python -m pytest -q -m "not slow"

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_zonal.py
	$(BIN)/python benchmarks/bench_study.py
	$(BIN)/python benchmarks/bench_risk.py
	$(BIN)/python benchmarks/bench_growth.py

docs: $(VENV)/.installed
	$(BIN)/python -m carlcities.config_docs
	$(BIN)/python -m carlcities.indicators.docs

clean:
	rm -rf out .pytest_cache
