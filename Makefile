# Noosphere: every target installs what it needs first (tools/bootstrap.sh).
SHELL := /bin/bash
export PATH := $(CURDIR)/.tools/bin:$(CURDIR)/.venv/bin:$(PATH)
PY := .venv/bin/python

.PHONY: setup demo test test-slow test-fast bench contracts lint clean

setup:
	@tools/bootstrap.sh

demo: setup
	$(PY) -m noosphere.demo

test: setup
	$(PY) -m pytest -n 2 --dist loadgroup tests

test-slow: setup
	NOOS_SLOW_TESTS=1 $(PY) -m pytest -n 2 --dist loadgroup tests

test-fast: setup
	$(PY) -m pytest -x -q tests/unit tests/contracts

bench: setup
	@tools/install_bench_deps.sh
	$(PY) -m bench

contracts: setup
	$(PY) tools/compile_contracts.py

lint: setup
	.venv/bin/ruff check src tests bench tools
	.venv/bin/ruff format --check src tests bench tools
	.venv/bin/mypy

clean:
	rm -rf .venv .tools build src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
