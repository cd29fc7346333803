# jamfor: `make run` serves the site with the demo data; `make test` runs the whole suite.
# Both start from a fresh clone: they create .venv, install the pinned dependencies and
# build the database first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
JAMFOR := $(BIN)/jamfor
HOST ?= 127.0.0.1
PORT ?= 8000
# Tests run every store test against DuckDB and this PostgreSQL server.
JAMFOR_TEST_POSTGRES ?= postgresql://127.0.0.1:5432/test
export JAMFOR_TEST_POSTGRES

.PHONY: install npm db run test lint typecheck unit bench clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# axe-core for the accessibility tests, from the npm registry at the version package-lock.json
# pins; `npm ci` runs again only when node_modules lacks it or the lock changed.
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(AXE)

npm: $(AXE)

# Build (or bring up to date) the embedded database with the reference data and the demo extract.
db: install
	$(JAMFOR) db init
	$(JAMFOR) import --demo

run: db
	$(JAMFOR) serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check
	$(BIN)/ruff format --check

typecheck: install
	$(BIN)/mypy src

unit: install npm
	$(BIN)/python -m pytest -q

test: db lint typecheck npm unit

# Benchmarks: bench/web.py compares with Datasette (requirements-bench.lock) and drives wrk.
bench: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-bench.lock
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/import.py
	$(BIN)/python bench/reports.py
	$(BIN)/python bench/web.py --workers 1,2
	$(BIN)/python bench/kolada.py --round-trip
	$(BIN)/python bench/transfer.py
	$(BIN)/python bench/soak.py
	$(BIN)/python bench/summary.py

clean:
	rm -rf $(VENV) node_modules .mypy_cache .ruff_cache .pytest_cache
