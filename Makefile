# Hearth: `make run` serves it on http://127.0.0.1:8000, `make test` runs every check.
# Both create the virtual environment and install what they need first, and both are idempotent.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck pytest bench bench-quick migrate seed clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

var:
	mkdir -p var

# axe-core for the browser tests' accessibility audit, pinned by tests/browser/package-lock.json.
BROWSER_TOOLS := tests/browser/node_modules/.package-lock.json
$(BROWSER_TOOLS): tests/browser/package-lock.json
	@if command -v npm >/dev/null; then \
		cd tests/browser && npm ci --no-audit --no-fund --silent; \
	else echo "npm not found: the browser tests' accessibility audit cannot run"; fi

# A laptop with nothing configured gets DEBUG=1, SQLite and the in-memory channel layer.
run: export DEBUG ?= 1
run: $(VENV)/.installed | var
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_rooms
	$(BIN)/python -m server.serve -b $(HOST) -p $(PORT)

migrate: $(VENV)/.installed | var
	$(BIN)/python manage.py migrate --no-input

# Tests run with DEBUG off, as production does; the key below exists only for the test run.
test: export SECRET_KEY ?= hearth-test-only-secret-key-0123456789-abcdefghijklmnop
test: $(VENV)/.installed-test $(BROWSER_TOOLS) | var
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy server rooms moderation frontend
	$(BIN)/python -m pytest

pytest: export SECRET_KEY ?= hearth-test-only-secret-key-0123456789-abcdefghijklmnop
pytest: $(VENV)/.installed-test $(BROWSER_TOOLS) | var
	$(BIN)/python -m pytest $(ARGS)

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	touch $@ $(VENV)/.installed

# The benchmark (docs/performance.md): Hearth beside the Channels tutorial chat, on the local
# PostgreSQL and Redis (BENCH_DATABASE_URL / BENCH_REDIS_URL point elsewhere). Under 10 minutes;
# bench-quick runs every scenario small. ARGS passes options, e.g. ARGS="--scenarios churn".
bench: $(VENV)/.installed-bench
	$(BIN)/python -m bench $(ARGS)

bench-quick: $(VENV)/.installed-bench
	$(BIN)/python -m bench --quick $(ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
