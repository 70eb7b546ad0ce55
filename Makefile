# Two commands on a fresh machine: `make reports` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
DEMO    := data/demo
OUT     := _output

.PHONY: reports test install demo validate lint clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,dask]'
	$(BIN)/python -m compileall -q src >/dev/null  # as pip does for an installed package
	touch $(STAMP)

install: $(STAMP)

$(DEMO)/.complete: $(STAMP) src/tevredenheidsrapport/demo.py $(wildcard data/codebooks/*.yaml)
	$(BIN)/python scripts/make_demo_data.py --out $(DEMO)

demo: $(DEMO)/.complete

reports: demo
	$(BIN)/tevreden batch --data $(DEMO) --out $(OUT)

validate: demo
	$(BIN)/tevreden validate $(DEMO)

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts

clean:
	rm -rf $(OUT) _work $(DEMO)
