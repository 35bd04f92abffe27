# The two commands: `make run` (set up, then run the bot) and `make test` (set up, then run the tests).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test setup locales bench

run: setup
	$(PY) -m bot

test: setup
	$(PY) -m pytest -q

setup: $(VENV)/.installed locales

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $@

# compile the gettext catalogues (locales/*/LC_MESSAGES/messages.po → .mo)
locales: $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d locales -D messages

# refresh the catalogues after changing texts in the code
messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k __ -k _ --no-location --sort-output --omit-header -o locales/messages.pot .
	$(VENV)/bin/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete

bench: setup
	$(PY) -m bench.registration
