# The README's two commands: `make run` and `make test`. Both create and reuse .venv/.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run run-prod-local test lint typecheck imports unit bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/punch serve --host 127.0.0.1 --port 8000

# The production topology on this machine: API processes, ARQ workers, PostgreSQL, Redis and an S3 server.
run-prod-local: $(STAMP)
	$(BIN)/python scripts/run_prod_local.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck imports unit

bench: $(STAMP)
	$(BIN)/python bench/detect.py
	$(BIN)/python bench/pipeline.py
	$(BIN)/python bench/accuracy.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
