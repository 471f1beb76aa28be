# Two commands on a fresh machine: `make run` (the app with demo data) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install bench clean translations messages language

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Reinstall only when pyproject.toml changes.
$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[postgres]'
	touch $@

# krippendorff-unitized-alpha (the test oracle of unitizing alpha) declares pytest<8 as a
# runtime dependency it never imports, which no resolver can join with pytest 8: it is
# installed on its own, without its declared dependencies (numpy is there already).
$(VENV)/.dev-deps: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/python -m pip install -q --no-deps 'krippendorff-unitized-alpha==0.1.0'
	touch $@ $(VENV)/.run-deps

# The interface's gettext catalogues (docs/translating.md): the .mo files are compiled, never
# committed; the editable install compiles them too (setup.py), this keeps them in step with
# each .po file after that.
CATALOGUES := annotator/translations
MO := $(patsubst %.po,%.mo,$(wildcard $(CATALOGUES)/*/LC_MESSAGES/messages.po))

$(CATALOGUES)/%/LC_MESSAGES/messages.mo: $(CATALOGUES)/%/LC_MESSAGES/messages.po | $(VENV)/.run-deps
	$(BIN)/pybabel -q compile -l $* -i $< -o $@

translations: $(MO)

# After marking new strings: extract them into messages.pot and merge them into every .po.
messages: $(VENV)/.run-deps
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k N_ -k tr -k trNodes --no-location --sort-output \
	  --project annotator -o $(CATALOGUES)/messages.pot .
	$(BIN)/pybabel -q update -i $(CATALOGUES)/messages.pot -d $(CATALOGUES) --no-fuzzy-matching \
	  --ignore-obsolete

# A new interface language: make language NEW=fr, then translate its messages.po.
language: $(VENV)/.run-deps
	@test -n "$(NEW)" || { echo "make language NEW=<language tag>, e.g. NEW=fr" >&2; exit 2; }
	$(BIN)/pybabel init -i $(CATALOGUES)/messages.pot -d $(CATALOGUES) -l $(NEW)

install: $(VENV)/.run-deps translations

run: $(VENV)/.run-deps translations
	$(BIN)/annotator init
	$(BIN)/annotator demo
	@echo
	@echo "  annotator is starting: open http://$(HOST):$(PORT) and sign in with a demo user above."
	@echo
	@# The job worker (trainings, large imports and exports, statistics) runs beside the server
	@# and stops with it.
	$(BIN)/annotator worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/annotator serve --host $(HOST) --port $(PORT)

test: $(VENV)/.dev-deps translations
	$(BIN)/python -m pytest

bench: $(VENV)/.dev-deps translations
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
