# Two commands do everything on a fresh Debian machine: `make up` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: up test venv system-deps lint unit e2e bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## Start an all-in-one cluster in the foreground (Ctrl-C stops it).
up: venv
	$(BIN)/pinnace up

## Debian packages the tests drive for real (etcd for the distributed store backend).
system-deps:
	@command -v etcd >/dev/null 2>&1 && command -v etcdctl >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server etcd-client; }

lint: venv
	$(BIN)/ruff check pinnace tests bench hack
	$(BIN)/ruff format --check pinnace tests bench hack
	$(BIN)/mypy
	$(BIN)/lint-imports

## Everything CI runs: install, lint, type-check, layer contracts, the whole test suite.
test: system-deps lint
	$(BIN)/pytest -q

bench: venv system-deps
	$(BIN)/python bench/store.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
