# BeltGraph: `make run` serves the app with the sample data; `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test bench sample clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

# On first run: load the sample and record two quarters of provider reviews, as a live store would hold.
run: $(VENV)/.installed
	@if $(BIN)/beltgraph load data/sample --if-empty --json | grep -q '"mode": "replace"'; then \
	  $(BIN)/beltgraph review --quarter 2020Q3 --json > /dev/null && \
	  $(BIN)/beltgraph review --quarter 2020Q4 --json > /dev/null && \
	  echo "loaded data/sample and reviewed 2020Q3 and 2020Q4"; fi
	$(BIN)/beltgraph serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/run.py

sample: $(VENV)/.installed
	rm -rf data/sample
	$(BIN)/beltgraph generate --scale 0.02 --entities 1 --seed 7 -o data/sample

clean:
	rm -rf $(VENV) var .pytest_cache
