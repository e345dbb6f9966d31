# staging-blueprint: `make preview` (the offline preview of the default stack), `make test`, `make verify-local`.
# Every target creates ./venv from the pinned requirements first; nothing needs a cloud account.
PYTHON ?= python3
VENV := venv
BIN := $(VENV)/bin
STACK ?= staging
FORMAT ?= text

.PHONY: help preview test lint fmt bench bench-data verify-local clean

help:
	@echo "make preview  offline preview + policy check of Pulumi.$(STACK).yaml (STACK=, FORMAT=text|markdown|json|sarif)"
	@echo "make test     ruff + pytest (what CI runs)"
	@echo "make bench    preview time (wall + CPU), memory, phases, per-policy CPU, scaling; then bench-data"
	@echo "make bench-data  masking engine rows/s on a generated 1M-row database (needs postgresql)"
	@echo "make verify-local  deploy Pulumi.$(STACK).yaml into a local moto server and verify it: go/no-go"
	@echo "make lint     ruff check + format check + mypy;  make fmt  reformat"

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

preview: $(BIN)/.installed
	$(BIN)/python -m blueprint preview --stack $(STACK) --format $(FORMAT)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/pytest -n 2

bench: $(BIN)/.installed bench-data
	$(BIN)/python -m blueprint.devtools.bench

bench-data: $(BIN)/.installed
	$(BIN)/python -m blueprint.devtools.bench_refresh

# moto server on 127.0.0.1 (stopped whatever happens) -> deploy -> .verify-local/outputs.json -> verify.
verify-local: $(BIN)/.installed
	$(BIN)/python -m blueprint.verify.local --stack $(STACK) --format $(FORMAT)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .bench .verify-local
