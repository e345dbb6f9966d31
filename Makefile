# staging-blueprint: `make preview` (the offline preview of the default stack), `make test`, `make verify-local`.
# Every target creates ./venv from the pinned requirements first; nothing needs a cloud account.
# Recipes that print a report are silent (@) and install chatter goes to stderr, so that
# `make preview FORMAT=json > preview.json` writes exactly the JSON document.
PYTHON ?= python3
VENV := venv
BIN := $(VENV)/bin
# An interpreter's identity: its version and real path (for a venv, those of the interpreter it was made
# from). The install stamp is named after it, so another PYTHON (or an upgraded one) rebuilds ./venv.
PY_ID_CODE = import os, sys; print("python%d.%d.%d" % sys.version_info[:3] + os.path.realpath(getattr(sys, "_base_executable", sys.executable)).replace("/", "_"))
PY_ID := $(shell $(PYTHON) -c '$(PY_ID_CODE)' 2>/dev/null)
PY_OK := $(shell $(PYTHON) -c 'import sys; print(int(sys.version_info >= (3, 11)))' 2>/dev/null)
STAMP ?= $(VENV)/.installed-$(PY_ID)
STACK ?= staging
FORMAT ?= text

.PHONY: help install $(BIN)/.installed preview test lint fmt docs bench bench-data verify-local review-screenshots clean provisioner-ca-bundle

help:
	@echo "make preview  offline preview + policy check of Pulumi.$(STACK).yaml (STACK=, FORMAT=text|markdown|json|sarif)"
	@echo "make test     ruff + pytest (what CI runs)"
	@echo "make bench    preview time (wall + CPU), memory, phases, per-policy CPU, scaling; then bench-data"
	@echo "make bench-data  masking engine rows/s on a generated 1M-row database (needs postgresql)"
	@echo "make verify-local  deploy Pulumi.$(STACK).yaml into a local moto server and verify it: go/no-go"
	@echo "make lint     ruff check + format check + mypy;  make fmt  reformat"
	@echo "make docs     regenerate every generated block (config reference, components, verify IAM policy, rule table, taggable types)"
	@echo "make review-screenshots  the PR comment of a few compares rendered with GitHub's stylesheet, as PNGs under reports/ (needs chromium, npm)"
	@echo "make provisioner-ca-bundle  download the RDS CA bundle the slice provisioner verifies its database with (needs network)"
	@echo "make install  only create ./venv (again when PYTHON names another interpreter; needs Python 3.11+)"

$(STAMP): requirements.txt requirements-dev.txt
	@[ "$(PY_OK)" = 1 ] || { echo "make: $(PYTHON) is missing or older than Python 3.11; run make PYTHON=python3.11 (or newer) $(MAKECMDGOALS)" >&2; exit 1; }
	@if [ -x $(BIN)/python ] && [ "$$($(BIN)/python -c '$(PY_ID_CODE)' 2>/dev/null)" != "$(PY_ID)" ]; then \
		echo "make: ./$(VENV) was made with another interpreter; rebuilding it with $(PYTHON)" >&2; rm -rf $(VENV); fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) >&2
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt >&2
	@rm -f $(BIN)/.installed $(VENV)/.installed-*
	@touch $@

# `make install` (or its older spelling `make venv/bin/.installed`, which CI workflows use): only ./venv.
install $(BIN)/.installed: $(STAMP)

preview: $(STAMP)
	@$(BIN)/python -m blueprint preview --stack $(STACK) --format $(FORMAT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Every generated block of the docs; a test fails when one of them is out of date.
docs: $(STAMP)
	$(BIN)/python -m blueprint config-reference --update-docs
	$(BIN)/python -m blueprint.devtools.components_reference --write
	$(BIN)/python -m blueprint.verify.policy --update-readme docs/verify.md
	$(BIN)/python policies/tools/rule_table.py --write
	$(BIN)/python policies/tools/generate_taggable_types.py

test: lint
	$(BIN)/pytest -n 2

bench: $(STAMP) bench-data
	$(BIN)/python -m blueprint.devtools.bench

bench-data: $(STAMP)
	$(BIN)/python -m blueprint.devtools.bench_refresh

# moto server on 127.0.0.1 (stopped whatever happens) -> deploy -> .verify-local/outputs.json -> verify.
verify-local: $(STAMP)
	@$(BIN)/python -m blueprint.verify.local --stack $(STACK) --format $(FORMAT)

# The PR comment of a few realistic compares, rendered like GitHub (github-markdown-css, mermaid) and
# screenshot in headless Chromium: reports/review-screenshots/*.png. Not part of `make test`.
review-screenshots: $(STAMP)
	npm install --prefix reports/.render-node --no-audit --no-fund --no-save github-markdown-css@5.9.0 mermaid@12.4.0 >&2
	$(BIN)/python -m blueprint.devtools.render_comment --out reports/review-screenshots --node-modules reports/.render-node/node_modules

# The RDS CA bundle for every region (RDS User Guide, "Using SSL/TLS to encrypt a connection to a DB instance
# or cluster", "Certificate bundles for all AWS Regions"); bundled into the slice provisioner when present.
# Written to $(PROVISIONER)/rds-ca-bundle.pem (that file is not in the repository until someone runs this).
PROVISIONER := functions/slice_provisioner
provisioner-ca-bundle:
	curl --fail --silent --show-error --location --proto '=https' --tlsv1.2 \
		-o $(PROVISIONER)/rds-ca-bundle.pem https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem
	@grep -q 'BEGIN CERTIFICATE' $(PROVISIONER)/rds-ca-bundle.pem || { echo "make: not a PEM bundle" >&2; rm -f $(PROVISIONER)/rds-ca-bundle.pem; exit 1; }

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .bench .verify-local
