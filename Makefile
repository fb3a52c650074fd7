# The README's commands. Each one works on a fresh machine with nothing but Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The official standards and the W3C test manifests live beside the clone (../shared), or where
# these variables say.
PASSERELLE_STANDARDS_DIR ?= $(abspath $(CURDIR)/../shared/standards)
PASSERELLE_CONFORMANCE_DIR ?= $(abspath $(CURDIR)/../shared/conformance)
export PASSERELLE_STANDARDS_DIR PASSERELLE_CONFORMANCE_DIR
# Where `passerelle serve` keeps its store when no --store is given (see passerelle/settings.py).
DATA_DIR := $(or $(PASSERELLE_DATA_DIR),$(or $(XDG_DATA_HOME),$(HOME)/.local/share)/passerelle)

.PHONY: run test bench bench-quick lint install clean docs check-shared reset-data bench-import messages compile-messages bench-search

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP) compile-messages

# The interface catalogues (api/translations/*/LC_MESSAGES/messages.po, see api/i18n.py):
# `make messages` extracts the template from the English source and the templates, updates every
# catalogue, moves in any api/messages/{lang}.json file, and compiles; the .mo files are built,
# never committed (the wheel builds its own, see setup.py).
POT := build/messages.pot
compile-messages: $(STAMP)
	$(BIN)/pybabel -q compile -d api/translations -D messages

messages: $(STAMP)
	mkdir -p build
	$(BIN)/pybabel -q extract -F babel.cfg --no-location --project=Passerelle -o $(POT) .
	$(BIN)/pybabel -q update -i $(POT) -d api/translations -D messages --ignore-obsolete -w 100
	$(BIN)/python -m passerelle.api.i18n import-json
	$(BIN)/pybabel compile --statistics -d api/translations -D messages

run: install
	$(BIN)/passerelle serve

# Checked before anything is installed, so a clone without them stops in seconds.
check-shared:
	@missing=""; \
	[ -f "$(PASSERELLE_STANDARDS_DIR)/cpsv-ap-3.2.0/shacl/cpsv-ap-SHACL.ttl" ] || \
	    missing="$$missing\n  PASSERELLE_STANDARDS_DIR=$(PASSERELLE_STANDARDS_DIR) (the SEMIC CPSV-AP and DCAT-AP shapes)"; \
	[ -f "$(PASSERELLE_CONFORMANCE_DIR)/w3c-sparql11/protocol/manifest.ttl" ] || \
	    missing="$$missing\n  PASSERELLE_CONFORMANCE_DIR=$(PASSERELLE_CONFORMANCE_DIR) (the W3C SPARQL 1.1 test manifests)"; \
	if [ -n "$$missing" ]; then \
	    printf "make test: the tests need two folders that are not in this clone:$$missing\n" >&2; \
	    printf "Put the shared folders beside the clone (../shared/standards and ../shared/conformance)\nor set both variables, e.g. make test PASSERELLE_STANDARDS_DIR=/path/standards PASSERELLE_CONFORMANCE_DIR=/path/conformance\n" >&2; \
	    exit 2; \
	fi

# axe-core, which the page tests inject into Chromium to check accessibility.
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $(AXE)

test: check-shared install
	sh tests/install-system-packages.sh
	$(MAKE) $(AXE)
	$(BIN)/python -m pytest -q

# `make bench` measures every size (about 45 minutes on 2 cores, most of it at 1M triples);
# `make bench BENCH_SIZES=10k,100k` fewer; `make bench-quick` is a short run at 10k. Results go
# to build/bench/results.md and results.json, and the tables are printed.
BENCH_SIZES ?= 10k,100k,1M
bench: install
	$(BIN)/python -m bench --sizes $(BENCH_SIZES)

bench-quick: install
	$(BIN)/python -m bench --quick

bench-search: install
	$(BIN)/python -m bench.search_paths --scales 10k,100k

bench-import: install
	$(BIN)/python -m bench.import_scale --csv 10000,100000 --hsds 2000,10000 --load 100000,1000000

docs: install
	$(BIN)/python -m passerelle.api.ontology_doc docs

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .passerelle build *.egg-info node_modules
	@echo "Removed the virtual environment and build files. The served data is kept in"
	@echo "  $(DATA_DIR)"
	@echo "run 'make reset-data' to delete it (the next 'make run' loads the bundled graph again)."

reset-data:
	rm -rf "$(DATA_DIR)"
	@echo "Deleted $(DATA_DIR); the next 'make run' starts from the bundled graph."
