# The README's commands. Each one works on a fresh machine with nothing but Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench bench-import lint install clean docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/passerelle serve

test: install
	sh tests/install-system-packages.sh
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python -m bench

bench-import: install
	$(BIN)/python -m bench.import_scale --csv 2000,8000,100000 --hsds 2000,10000

docs: install
	$(BIN)/python -m passerelle.api.ontology_doc docs

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .passerelle build *.egg-info
