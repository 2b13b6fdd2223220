# sdkgen: the ModelGates SDK generated from spec/modelgates-videos.yaml.
# `make regenerate` and `make test` set up everything they need (a local venv, Prism) first.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CONFIG := spec/sdkgen.yaml
PRISM := node_modules/.bin/prism

.PHONY: regenerate check test demo bench spec-diff venv prism clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

$(PRISM): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(PRISM)

prism: $(PRISM)

regenerate: $(STAMP)
	$(PY) -m generator generate --config $(CONFIG)

check: $(STAMP)
	$(PY) -m generator check --config $(CONFIG)
	cd generated && ../$(VENV)/bin/black --check --quiet .
	cd generated && ../$(VENV)/bin/ruff check --quiet .
	cd generated && ../$(VENV)/bin/mypy --strict modelgates
	$(VENV)/bin/ruff check --quiet generator tests
	$(VENV)/bin/black --check --quiet generator tests

test: $(STAMP) $(PRISM) check
	$(PY) -m pytest

# What the working spec changes against the merge-base of this branch (or BASE=<rev>), for review.
SPEC := spec/modelgates-videos.yaml
BASE ?= $(shell git merge-base HEAD origin/main 2>/dev/null || git merge-base HEAD main 2>/dev/null || echo HEAD)
FORMAT ?= markdown
spec-diff: $(STAMP)
	$(PY) -m generator diff --config $(CONFIG) --format $(FORMAT) --ignore spec/.breaking-ignore $(BASE):$(SPEC) $(SPEC)

# The submit, wait, download flow through the generated `modelgates` CLI, against the test server.
demo: $(STAMP)
	$(PY) tests/demo.py

# The SDK against raw httpx doing the same work, and the generator against openapi-python-client on
# a large spec, side by side (not part of `make test`).
OPC_STAMP := .venv-opc/.installed
$(OPC_STAMP):
	$(PYTHON) -m venv .venv-opc
	.venv-opc/bin/python -m pip install --quiet "openapi-python-client==0.29.1"
	touch $(OPC_STAMP)

bench: $(STAMP) $(OPC_STAMP)
	$(PY) bench/bench.py
	$(PY) bench/generate_bench.py

clean:
	rm -rf $(VENV) .venv-opc node_modules
