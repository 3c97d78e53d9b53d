# The project's vocabulary. `make dev` and `make test` work on a fresh machine with Python, pip,
# Node and git: they install uv if missing and sync the pinned environment (uv.lock) themselves.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)

.PHONY: dev test lint bench build deploy destroy openapi setup

setup:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 \
		|| python3 -m pip install --quiet "uv==$(UV_VERSION)"
	@$(UV) sync --frozen --quiet

dev: setup
	$(UV) run patron dev

test: setup lint
	$(UV) run pytest

lint: setup
	$(UV) run ruff check src tests bench
	$(UV) run ruff format --check src tests bench
	$(UV) run mypy
	$(UV) run cfn-lint template.yaml

openapi: setup
	$(UV) run patron openapi

bench: setup
	$(UV) run python bench/run.py

build deploy destroy:
	@echo "make $@: not implemented yet: AWS packaging and deployment are issue 8 (see docs/decisions.md)." >&2
	@exit 1
