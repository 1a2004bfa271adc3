# agent-tui: `make demo` runs the product, `make test` runs every check. Both build .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint audit pytest bench peers clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[server,audio,dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/agent-tui demo

peers:
	bash scripts/install-peers

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

pytest: $(STAMP) peers
	$(BIN)/pytest

# Fails on known vulnerabilities; only warns (loudly) when the advisory service cannot be reached.
audit: $(STAMP)
	$(BIN)/python -m tests.security.dep_audit

test: lint audit pytest

bench: $(STAMP) peers
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
