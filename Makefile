# The two commands of the README: `make demo` and `make test`.
VENV ?= .venv
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export XML_MIGRATION_DB_URL ?= sqlite:///$(CURDIR)/xml_migration.db

.PHONY: install demo test lint

install:
	bash env_prep/install.sh

demo: install
	bash env_prep/demo.sh

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/python -m pytest
