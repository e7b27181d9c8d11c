# The README's two commands: `make run` and `make test`. Both create and reuse .venv/.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

NPM := cd frontend && npm
FRONTEND_STAMP := frontend/node_modules/.installed

.PHONY: run run-prod-local test lint typecheck imports unit bench train clean frontend frontend-test gen-api check-api e2e chromium \
	clamav promtool

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,dev]'
	@touch $(STAMP)

run: $(STAMP) frontend
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

unit: $(STAMP) clamav promtool
	$(BIN)/pytest

$(FRONTEND_STAMP): frontend/package-lock.json
	$(NPM) ci --no-audit --no-fund
	@touch $(FRONTEND_STAMP)

# The web app `make run` serves (frontend/dist).
frontend: $(FRONTEND_STAMP)
	$(NPM) run build

frontend-test: $(FRONTEND_STAMP)
	$(NPM) run typecheck
	$(NPM) test
	$(NPM) run build

# The typed API client: the OpenAPI schema from the Python app, and the TypeScript types made from it.
gen-api: $(STAMP) $(FRONTEND_STAMP)
	$(BIN)/python -m punch_app.openapi > frontend/src/api/openapi.json
	$(NPM) run gen:api

# CI: the checked-in schema and types must match the API (regenerate with `make gen-api`).
check-api: gen-api
	git diff --exit-code -- frontend/src/api/openapi.json frontend/src/api/schema.d.ts

# Debian's Chromium for the browser tests (and CJK fonts for the Korean pages).
chromium:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk)

# Debian's ClamAV daemon and its test files, for the malware-scan tests (a real clamd with a local signature database).
clamav:
	@command -v clamd >/dev/null && test -d /usr/share/clamav-testfiles || \
		(apt-get update -qq && apt-get install -y -qq --no-install-recommends clamav-daemon clamav-testfiles)

# Debian's Prometheus for `promtool test rules` on the shipped alert rules.
promtool:
	@command -v promtool >/dev/null || (apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus)

# The boxer's whole journey in a real browser against the real backend (embedded); screenshots in frontend/e2e/.
e2e: $(STAMP) $(FRONTEND_STAMP) chromium
	$(NPM) run e2e

test: lint typecheck imports unit frontend-test check-api e2e

# Every benchmark (detection, pipeline, accuracy, load), one after the other; writes docs/benchmarks.md.
bench: $(STAMP)
	$(BIN)/python bench/run_all.py

# Train the strike typer on the labelled corpus (needs ../shared/media); prints the leave-one-source-out comparison
# of the typers and writes src/punch_core/detection/models/strike_typer.json (docs/strike_typer.md).
train: $(STAMP)
	$(BIN)/python bench/corpus.py tracks
	$(BIN)/python bench/train.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
