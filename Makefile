# `make up` runs the platform on the embedded default; `make test` runs the whole suite.
# `make services` starts local PostgreSQL, Redis and Kafka (scripts/services.sh), `make up-prod`
# runs the platform on them, `make services-stop` stops what `make services` started.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install up test test-backends lint format bench clean services services-stop up-prod

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "ecart needs Python >= 3.11"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

up: install
	$(BIN)/ecart up

services:
	bash scripts/services.sh start
	@sed -E 's#(://[^:/]+:)[^@]+@#\1***@#' .env.services

services-stop:
	bash scripts/services.sh stop

up-prod: install services
	set -a && . ./.env.services && set +a && exec $(BIN)/ecart up

test: install
	$(BIN)/pytest

# The suite against the servers `make services` started: everything (Kafka and Redis
# integration tests included) on the embedded default, then again on PostgreSQL.
test-backends: install
	eval "$$(bash scripts/test-env.sh)" && $(BIN)/pytest && \
	  ECART_TEST_BACKEND=postgres $(BIN)/pytest -m "not fuzz"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install
	$(BIN)/python bench/flash_sale.py

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
