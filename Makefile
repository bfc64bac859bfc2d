# `make up` runs the platform on the embedded default; `make test` runs the whole suite.
# `make services` starts local PostgreSQL, Redis and Kafka (scripts/services.sh), `make up-prod`
# runs the platform on them, `make services-stop` stops what `make services` started.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install up test test-backends lint format bench clean services services-stop up-prod \
  deploy-tools resilience

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "ecart needs Python >= 3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

up: install web
	$(BIN)/ecart up

services:
	bash scripts/services.sh start
	@sed -E 's#(://[^:/]+:)[^@]+@#\1***@#' .env.services

services-stop:
	bash scripts/services.sh stop

up-prod: install services
	set -a && . ./.env.services && set +a && exec $(BIN)/ecart up

test: install web test-web deploy-tools
	$(BIN)/pytest

# The offline validators of deploy/ (helm, kubernetes-validate, checkov, hadolint,
# check-jsonschema, actionlint) in .cache/deploy-tools; tests/deploy uses them.
deploy-tools:
	bash scripts/deploy-tools.sh >/dev/null

# The suite against the servers `make services` started: everything (Kafka and Redis
# integration tests included) on the embedded default, then the whole suite again on
# PostgreSQL + Kafka + Redis (the fuzzer and the deploy checks, which do not depend on the
# backends, run once, in the first pass).
test-backends: install deploy-tools
	eval "$$(bash scripts/test-env.sh)" && $(BIN)/pytest && \
	  ECART_TEST_BACKEND=production $(BIN)/pytest -m "not fuzz" --ignore=tests/deploy

# Fault injection under load (tests/resilience, issue 10) against the servers `make services`
# started, with 60 s outages (the default run uses short ones); each scenario's one-line
# result is appended to resilience-report/report.md.
RESILIENCE_OUTAGE_SECONDS ?= 60
resilience: install services
	eval "$$(bash scripts/test-env.sh)" && \
	  ECART_TEST_RESILIENCE_OUTAGE_SECONDS=$(RESILIENCE_OUTAGE_SECONDS) \
	  ECART_TEST_RESILIENCE_REPORT=$(CURDIR)/resilience-report/report.md \
	  $(BIN)/pytest tests/resilience -m resilience --timeout 1800

# The web UI (web/, React + Vite): `make web` installs its packages (`npm ci`, again only when
# package-lock.json changes) and builds web/dist, which the gateway serves at / (skipped when
# dist is newer than every source). Without Node the gateway serves its built-in page instead.
# `make test-web` runs its type check, linters and unit tests (Vitest).
.PHONY: web test-web
NPM ?= npm
WEB_DEPS := web/node_modules/.ecart-installed
WEB_DIST := web/dist/index.html
WEB_SOURCES := $(shell find web/src web/public -type f ! -name '*.test.ts' ! -name '*.test.tsx' 2>/dev/null) \
  web/index.html web/package.json web/vite.config.ts web/tsconfig.json

web:
	@if command -v node >/dev/null 2>&1 && command -v $(NPM) >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory $(WEB_DIST); \
	else \
	  echo "make web: no node/npm here, so the web UI is not built; the gateway serves its built-in page"; \
	fi

$(WEB_DEPS): web/package.json web/package-lock.json
	cd web && $(NPM) ci --no-audit --no-fund
	touch $@

$(WEB_DIST): $(WEB_DEPS) $(WEB_SOURCES)
	cd web && $(NPM) run build
	touch $@

test-web:
	@if command -v node >/dev/null 2>&1 && command -v $(NPM) >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory $(WEB_DEPS) && cd web && $(NPM) run typecheck && $(NPM) run lint && $(NPM) test; \
	else \
	  echo "make test-web: no node/npm here: the web unit tests were not run"; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
