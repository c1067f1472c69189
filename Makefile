# Two commands on a fresh machine: `make serve` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: serve test check lint format typecheck migrate clean bench lock audit screenshots

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps are remade when pyproject.toml changes, so `git pull && make test` picks up new dependencies.
# Versions come from requirements.lock (what CI tested and pip-audit checked); `make lock` renews it.
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c requirements.lock -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $@ $(VENV)/.installed

# Newest versions pyproject.toml allows, in a fresh environment, written down.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet -e '.[dev]'
	{ echo "# Every package make installs, at the version CI tested and audited (make lock rewrites it; pip-audit reads it)."; \
	  .venv-lock/bin/python -m pip freeze --exclude-editable; } > requirements.lock
	rm -rf .venv-lock

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
# pip-audit (scripts/audit-dependencies) mostly waits on the network: it runs beside the tests.
test: check
	@scripts/audit-dependencies > $(VENV)/audit.log 2>&1 & audit=$$!; \
	$(BIN)/pytest -n $(TEST_WORKERS); tests=$$?; \
	wait $$audit; audited=$$?; cat $(VENV)/audit.log; \
	exit $$(( tests != 0 || audited != 0 ))

audit: $(VENV)/.installed-dev
	scripts/audit-dependencies

format: $(VENV)/.installed-dev
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

# The console's screens on a small training year, in Chromium (apt-get install chromium): docs/screenshots/.
screenshots: $(VENV)/.installed-dev
	TALENT_TRAINING_SCREENSHOTS=docs/screenshots $(BIN)/pytest -p no:randomly -p no:xdist \
	  tests/console/browser/test_every_screen.py -k screenshots

# Production-volume benchmarks on PostgreSQL (scripts/ensure-postgres provides one): writes docs/benchmarks.md.
bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench.run
