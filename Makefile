# `make test` builds .venv from nothing, then runs ruff, mypy and pytest.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test lint typecheck pytest bench demo demo-flask demo-django clean

test: lint typecheck pytest

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,test]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/verify.py && $(BIN)/python benchmarks/routes.py

demo: $(STAMP)
	$(BIN)/python -m example_apps.fastapi_app

demo-flask: $(STAMP)
	$(BIN)/python -m example_apps.flask_app

demo-django: $(STAMP)
	$(BIN)/python example_apps/django_app/manage.py migrate --noinput
	$(BIN)/python example_apps/django_app/manage.py runserver 127.0.0.1:8001

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
