# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test venv test-venv lint messages bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.app-installed: pyproject.toml $(BIN)/activate
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml $(VENV)/.app-installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

venv: $(VENV)/.app-installed
test-venv: $(VENV)/.test-installed

demo: venv
	scripts/demo.sh

test: test-venv
	scripts/install-test-deps.sh
	scripts/run-tests.sh

lint: test-venv
	$(BIN)/ruff check objectivity tests bench
	$(BIN)/mypy objectivity

messages: venv
	cd objectivity && DEBUG=1 ../$(BIN)/objectivity makemessages -l ru --no-obsolete --no-location
	cd objectivity && DEBUG=1 ../$(BIN)/objectivity compilemessages -l ru

bench: test-venv
	$(BIN)/python bench/registry_import.py
	$(BIN)/python bench/school_list_load.py
	$(BIN)/python bench/results_import.py
	$(BIN)/python bench/detection_speed.py
	$(BIN)/python bench/national_scale.py
	$(BIN)/python bench/pages_load.py
	$(BIN)/python bench/plans_speed.py

clean:
	rm -rf $(VENV) var
