# The project's vocabulary. `make dev` and `make test` work on a fresh machine with Python, pip,
# Node and git: they install uv if missing and sync the pinned environment (uv.lock) themselves.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
# offline gates run from PyPI by `uv tool run` (uvx), pinned, outside the project's environment
# (SAM CLI alone is 342 MB); the first run downloads them into uv's cache
SAM_CLI_VERSION := 1.170.0
CHECKOV_VERSION := 3.2.500
BANDIT_VERSION := 1.9.4

.PHONY: dev test check lint bench build deploy destroy smoke openapi setup console screenshots requirements

setup:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 \
		|| python3 -m pip install --quiet "uv==$(UV_VERSION)"
	@$(UV) sync --frozen --quiet

dev: setup console
	$(UV) run patron dev

# unit and integration tests spread over two workers (pytest-xdist, a module per worker: module fixtures
# stay shared); e2e and browser tests after them, in one process (one patron dev per session fixture)
test: setup lint console
	$(UV) run pytest -n 2 --dist loadfile tests/unit tests/integration
	$(UV) run pytest tests/e2e

# the inner loop: lint without the slow gates (cfn-lint, sam validate, checkov, bandit) and the unit tests
check: setup
	$(UV) run ruff check src tools tests bench
	$(UV) run ruff format --check src tools tests bench
	$(UV) run mypy
	$(UV) run pytest -q -n 2 --dist loadfile tests/unit

lint: setup
	$(UV) run ruff check src tools tests bench
	$(UV) run ruff format --check src tools tests bench
	$(UV) run mypy
	$(UV) run cfn-lint template.yaml
	SAM_CLI_TELEMETRY=0 $(UV) tool run --from aws-sam-cli==$(SAM_CLI_VERSION) \
		sam validate --lint --region us-east-1 --template-file template.yaml
	$(UV) tool run --from checkov==$(CHECKOV_VERSION) checkov --config-file .checkov.yaml -f template.yaml
	$(UV) tool run --from bandit==$(BANDIT_VERSION) bandit -q -c pyproject.toml -r src tools

# the OpenAPI documents, the console's TypeScript types generated from them (openapi-typescript, from
# web/node_modules) and docs/architecture.md
openapi: setup web/node_modules/.package-lock.json
	$(UV) run patron openapi
	$(UV) run patron architecture

bench: setup
	$(UV) run python bench/run.py

# ---- AWS (docs/deploy.md). SAM CLI runs through uvx, pinned, outside the project's environment (342 MB).
# STAGE names the stack (patron-$(STAGE)) and prefixes every physical name ($(STAGE)-customer_ids, ...);
# PARAMS adds template parameters, e.g. PARAMS="AlertEmail=ops@example.com CorsAllowOrigin=https://x".
STAGE ?= dev
PARAMS ?=
SAM_CLI_VERSION := 1.170.0
SAM := $(UV) tool run --from aws-sam-cli==$(SAM_CLI_VERSION) sam
STACK := patron-$(STAGE)
# the local cloud's and the CLI's dependencies, left out of the Lambda packages
LAMBDA_PRUNE := $(foreach p,moto pyyaml swagger-ui-bundle-v2 werkzeug awslambdaric h11 httptools oauthlib pycognito requests rich,--prune $(p))
REQUIREMENTS ?= src/requirements.txt

# src/requirements.txt: the Lambda runtime's dependencies from uv.lock, committed so that a plain
# `sam build && sam deploy` packages them too (tests/e2e/test_build.py fails when it drifts from uv.lock)
requirements:
	@echo "# generated from uv.lock by 'make requirements': the Lambda runtime's dependencies (sam build)" \
		> $(REQUIREMENTS)
	@$(UV) export --frozen --no-dev --no-emit-project --no-hashes --no-header --quiet $(LAMBDA_PRUNE) \
		>> $(REQUIREMENTS)

build: setup console requirements
	$(SAM) build
	@# ship bytecode: /var/task is read-only, so without it every cold start compiles every module
	@# (docs/benchmarks.md); unchecked-hash keeps the .pyc valid whatever the zip does to file times
	$(UV) run python -m compileall -q -j 0 --invalidation-mode unchecked-hash .aws-sam/build

deploy: build
	$(UV) run patron stack check --stack $(STACK) --name-prefix $(STAGE)-
	$(SAM) deploy --stack-name $(STACK) --parameter-overrides NamePrefix=$(STAGE)- $(PARAMS)
	$(UV) run patron console publish --stack $(STACK)

# DELETE_DATA=yes also deletes the data tables the stack retains, so that the stage can be deployed again
destroy: setup
	$(UV) run patron stack empty --stack $(STACK)
	$(SAM) delete --stack-name $(STACK)
	$(if $(filter yes,$(DELETE_DATA)),$(UV) run patron stack delete-data --stack $(STACK) --name-prefix $(STAGE)-)

# the HTTP end-to-end tests against the deployed stage (URLs and key from the stack's outputs; tests that
# need the local cloud's internals skip); BROWSER=yes adds the browser tests against its console
SMOKE_TESTS := tests/e2e/test_ids.py tests/e2e/test_workflow.py tests/e2e/test_crm.py \
	tests/e2e/test_enrollment.py tests/e2e/test_marketing.py
smoke: setup
	PATRON_SMOKE_STACK=$(STACK) $(UV) run pytest -q -p no:cacheprovider $(SMOKE_TESTS) \
		$(if $(filter yes,$(BROWSER)),tests/e2e/web)

# ---- web console: `npm ci` when the lock file changed, `vite build` when a source is newer than web/dist
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) \
	web/index.html web/vite.config.ts web/tsconfig.json web/package.json

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	@touch $@

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	cd web && npm run build

console: web/dist/index.html

screenshots: setup console
	PATRON_SCREENSHOTS=docs/screenshots $(UV) run pytest -q tests/e2e/web/test_screenshots.py
