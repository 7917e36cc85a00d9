# Kalliola strategy tracker. `make help` lists the targets.
#
# `make run` and `make test` do all the set-up on a fresh machine: they install uv when it is
# missing, create the virtual environment from uv.lock and compile the translations.

SHELL := /bin/bash
.DEFAULT_GOAL := help

UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := $(shell python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/uv
endif
RUN := $(UV) run --frozen
MANAGE := $(RUN) python manage.py

# The quick start runs in development mode: SQLite, tasks run in-process, demo users.
DEV_ENV := DEBUG=true
# Tests: SQLite unless DATABASE_URL is set (CI sets it to PostgreSQL).
TEST_ENV := DEBUG=true

.PHONY: help
help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-20s\033[0m %s\n", $$1, $$2}'

.PHONY: uv
uv: ## Install uv if it is missing
	@command -v uv >/dev/null 2>&1 || test -x "$(UV)" || python3 -m pip install --quiet uv

.PHONY: install
install: uv ## Create the virtual environment from uv.lock
	$(UV) sync --frozen

.PHONY: translations
translations: install ## Compile the .po catalogues (no GNU gettext needed)
	$(DEV_ENV) $(MANAGE) compiletranslations

.PHONY: run
run: translations ## Run the app at http://127.0.0.1:8000 with the seed strategy and demo users
	$(DEV_ENV) $(MANAGE) migrate --no-input
	$(DEV_ENV) $(MANAGE) load_strategy
	$(DEV_ENV) $(MANAGE) import_districts
	$(DEV_ENV) $(MANAGE) import_area_statistics
	$(DEV_ENV) $(MANAGE) create_demo_users
	$(DEV_ENV) $(MANAGE) create_demo_data
	$(DEV_ENV) $(MANAGE) runserver 127.0.0.1:8000

.PHONY: test
test: translations ## Run the whole test suite (PostgreSQL when DATABASE_URL is set, else SQLite)
	$(TEST_ENV) $(RUN) pytest $(PYTEST_ARGS)

.PHONY: screenshots
screenshots: translations ## Take the README's screenshots (docs/*.png) in Chromium
	$(TEST_ENV) SCREENSHOTS_DIR=$(CURDIR)/docs $(RUN) pytest tests/browser/test_strategy_pages.py::test_readme_screenshots

.PHONY: lint
lint: install ## Check the code with ruff (lint and format)
	$(RUN) ruff check .
	$(RUN) ruff format --check .

.PHONY: format
format: install ## Format the code with ruff and apply safe fixes
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

.PHONY: typecheck
typecheck: install ## Check types with mypy
	$(DEV_ENV) $(RUN) mypy .

.PHONY: migrations-check
migrations-check: install ## Fail if a model change has no migration
	$(DEV_ENV) $(MANAGE) makemigrations --check --dry-run

.PHONY: messages
messages: install ## Update the .po catalogues from the code (needs GNU gettext)
	$(DEV_ENV) $(MANAGE) makemessages --locale fi --locale sv --locale en --no-obsolete --ignore '.venv/*' --ignore 'staticfiles/*'

.PHONY: translations-check
translations-check: install ## Fail if an interface string lacks a Finnish or Swedish translation
	$(DEV_ENV) $(MANAGE) checktranslations

.PHONY: bench-metrics
bench-metrics: install ## Benchmark metric recomputes on 1,000,000 generated activities (PostgreSQL; recreates the database kalliola_bench)
	$(DEV_ENV) $(RUN) python bench/metrics.py $(BENCH_ARGS)

.PHONY: bench-dashboards
bench-dashboards: install ## Benchmark the dashboard pages at 1,000,000 activities and 50 metrics (PostgreSQL; recreates kalliola_bench, as bench-metrics does)
	$(DEV_ENV) $(RUN) python bench/dashboards.py $(BENCH_ARGS)

.PHONY: bench-import
bench-import: install ## Benchmark checking and importing a generated 10,000-row XLSX of activities (PostgreSQL; makes and drops test_bench_import_activities)
	$(DEV_ENV) $(RUN) python bench/import_activities.py $(BENCH_ARGS)

.PHONY: clean
clean: ## Remove the local database, compiled catalogues and collected static files
	rm -rf db.sqlite3 staticfiles locale/*/LC_MESSAGES/*.mo
