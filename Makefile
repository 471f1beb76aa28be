# Two commands on a fresh machine: `make run` (the app with demo data) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Reinstall only when pyproject.toml changes.
$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[postgres]'
	touch $@

$(VENV)/.dev-deps: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.run-deps

install: $(VENV)/.run-deps

run: $(VENV)/.run-deps
	$(BIN)/annotator init
	$(BIN)/annotator demo
	@echo
	@echo "  annotator is starting: open http://$(HOST):$(PORT) and sign in with a demo user above."
	@echo
	@# The job worker (trainings, large imports and exports, statistics) runs beside the server
	@# and stops with it.
	$(BIN)/annotator worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/annotator serve --host $(HOST) --port $(PORT)

test: $(VENV)/.dev-deps
	$(BIN)/python -m pytest

bench: $(VENV)/.dev-deps
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
