# Two commands for a fresh machine: `make run` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
BAOCAO := $(VENV)/bin/baocao
STAMP  := $(VENV)/.installed-dev

export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install run test ingest-sample bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# The CPU build of torch first (a local wheel); any other spec pulls GBs of CUDA packages.
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

ingest-sample: install
	@if [ "$$($(BAOCAO) documents | wc -l)" -eq 0 ]; then $(BAOCAO) ingest data/sample; fi

run: ingest-sample
	$(BAOCAO) ask

test: install
	$(PY) -m pytest -q

bench: install
	$(PY) bench/ingest.py

clean:
	rm -rf .baocao test-artifacts
