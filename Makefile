# One task runner. `make demo` and `make test` work on a fresh machine with Python ≥ 3.10.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast lint typecheck bench templates addin clean

$(STAMP): pyproject.toml setup.py kqxl/_speedups.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m kqxl.demo demo

test: lint typecheck
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m 'not slow'

lint: $(STAMP)
	$(BIN)/ruff check kqxl tests benchmarks
	$(BIN)/ruff format --check kqxl tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy kqxl

templates: $(STAMP)
	$(BIN)/kqxl init workbooks --force

# The Excel add-in (kqxl.xlam) and the macro-enabled templates, from macros/.
addin: $(STAMP)
	$(BIN)/kqxl addin build workbooks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_io.py

clean:
	rm -rf $(VENV) demo .pytest_cache .hypothesis
