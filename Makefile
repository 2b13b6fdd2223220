# sdkgen: the ModelGates SDK generated from spec/modelgates-videos.yaml.
# `make regenerate` and `make test` set up everything they need (a local venv, Prism) first.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
CONFIG := spec/sdkgen.yaml
PRISM := node_modules/.bin/prism

# The Python versions `make test` runs the generator and the SDK on, each also with the oldest httpx
# and pydantic the SDK declares (tests/matrix.py). Each must be installed (python3.X on PATH or under
# ~/.pyenv/versions) or the run fails; locally, test fewer with `make test PYTHONS="3.11"`.
PYTHONS ?= 3.10 3.11 3.12 3.13

.PHONY: regenerate check test test-pythons demo bench spec-diff venv prism oracle conformance-deep clean

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

# The oracle tests/test_generative.py checks requests with: openapi-core, in a venv of its own because
# it needs an older openapi-spec-validator than the generator pins.
ORACLE_STAMP := .venv-oracle/.installed
$(ORACLE_STAMP): tests/oracle-requirements.txt
	$(PYTHON) -m venv .venv-oracle
	.venv-oracle/bin/python -m pip install --quiet -r tests/oracle-requirements.txt
	touch $(ORACLE_STAMP)

oracle: $(ORACLE_STAMP)

regenerate: $(STAMP)
	$(PY) -m generator generate --config $(CONFIG)

check: $(STAMP)
	$(PY) -m generator check --config $(CONFIG)
	cd generated && ../$(VENV)/bin/black --check --quiet .
	cd generated && ../$(VENV)/bin/ruff check --quiet .
	cd generated && ../$(VENV)/bin/mypy --strict modelgates
	$(VENV)/bin/ruff check --quiet generator tests
	$(VENV)/bin/black --check --quiet generator tests

# openapi-python-client, the peer tests/test_peer.py runs on the real corpus documents (and `make bench`).
OPC_STAMP := .venv-opc/.installed
$(OPC_STAMP):
	$(PYTHON) -m venv .venv-opc
	.venv-opc/bin/python -m pip install --quiet "openapi-python-client==0.29.1"
	touch $(OPC_STAMP)

test: $(STAMP) $(PRISM) $(OPC_STAMP) $(ORACLE_STAMP) check
	$(PY) -m pytest --fail-on-skip
	$(PY) tests/matrix.py $(PYTHONS)

# Only the second half of `make test`: the SDK's tests, `sdkgen check` and mypy on each Python version,
# and with the oldest httpx and pydantic declared.
test-pythons: $(STAMP) $(PRISM)
	$(PY) tests/matrix.py $(PYTHONS)

# tests/test_generative.py with many more generated inputs per operation than `make test` runs.
DEEP_EXAMPLES ?= 1000
conformance-deep: $(STAMP) $(ORACLE_STAMP)
	SDKGEN_GENERATIVE_EXAMPLES=$(DEEP_EXAMPLES) $(PY) -m pytest --fail-on-skip tests/test_generative.py

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
bench: $(STAMP) $(OPC_STAMP)
	$(PY) bench/bench.py
	$(PY) bench/streams_bench.py
	$(PY) bench/pages_bench.py
	$(PY) bench/generate_bench.py

clean:
	rm -rf $(VENV) .venv-opc .venv-oracle .venv-py* .venv-oldest-py* node_modules
