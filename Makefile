# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test lint catalogs compile-catalogs docs clean

install: $(VENV)/.installed compile-catalogs

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

compile-catalogs: $(VENV)/.installed
	$(BIN)/pybabel compile --domain messages --directory locales --statistics

# Re-extract the messages from bot/ and flows/ and merge them into every catalog. An edited
# sentence keeps its old translation as a fuzzy suggestion (the tests fail until someone checks
# it and removes the fuzzy mark); Spanish, the source language, is set to the new text itself.
catalogs: $(VENV)/.installed
	$(BIN)/pybabel extract --mapping-file babel.cfg --no-location --omit-header \
		--keyword N_ --output-file locales/messages.pot .
	$(BIN)/pybabel update --input-file locales/messages.pot --output-dir locales \
		--width 100 --ignore-obsolete --ignore-pot-creation-date
	$(BIN)/python -m bot.source_catalog locales/es/LC_MESSAGES/messages.po

# The scheduler runs once, beside the dev server (which has no reloader here), and stops with it.
# Signatures are checked against PUBLIC_BASE_URL, never the Host header: unless the environment
# or instance/config.py names one (a tunnel's https address), it is the dev server's own.
run: install
	@if [ -z "$$PUBLIC_BASE_URL" ] && ! grep -qs '^PUBLIC_BASE_URL' instance/config.py; then \
		export PUBLIC_BASE_URL=http://$(HOST):$(PORT); fi; \
	$(BIN)/flask --app bot banner --host $(HOST) --port $(PORT); \
	$(BIN)/flask --app bot scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask --app bot run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

docs: $(VENV)/.installed
	$(BIN)/python -c 'from bot.settings import markdown; print(markdown(), end="")' > docs/SETTINGS.md

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
	find locales -name '*.mo' -delete
