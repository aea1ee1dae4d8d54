# The two commands: `make run` and `make test` (see README.md).
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/dangjian db upgrade
	$(BIN)/dangjian seed --scale demo
	$(BIN)/dangjian serve

lint: install
	$(BIN)/ruff check .

test: install lint
	$(BIN)/pytest -q
