# Two commands on a fresh machine: `make serve` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: serve test check lint format typecheck migrate clean bench

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps are remade when pyproject.toml changes, so `git pull && make test` picks up new dependencies.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

serve: $(VENV)/.installed
	$(BIN)/talent-training serve

migrate: $(VENV)/.installed
	$(BIN)/talent-training migrate

# Tests run in parallel; each worker migrates its own databases (tests/databases.py).
TEST_WORKERS ?= 4

check: $(VENV)/.installed-dev
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# PostgreSQL is tested whenever one answers (tests/conftest.py); .ci/run makes sure one does.
test: check
	$(BIN)/pytest -n $(TEST_WORKERS)

format: $(VENV)/.installed-dev
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

# Production-volume benchmarks on PostgreSQL (scripts/ensure-postgres provides one): writes docs/benchmarks.md.
bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench.run
