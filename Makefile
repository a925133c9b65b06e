# Two commands for a fresh machine: `make run` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
BAOCAO := $(VENV)/bin/baocao
STAMP  := $(VENV)/.installed-dev

export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install run test ingest-sample bench clean browser-deps eval-deps redis-deps fuzz load

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

# The chat page, the API and the Zalo webhook on http://127.0.0.1:8000 over the sample reports.
run: ingest-sample
	$(BAOCAO) serve

# Debian's Chromium for the widget's browser test (Playwright drives it; no browser download, never `playwright install`).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser-deps: install
	@if [ ! -x /usr/bin/chromium ]; then \
		$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; \
	fi
	@$(PY) -c "import playwright" 2>/dev/null || $(PIP) install -q playwright

# Readers the eval dataset validator checks real documents' quotes with (poppler's pdftotext, antiword).
eval-deps:
	@if ! command -v pdftotext >/dev/null || ! command -v antiword >/dev/null; then \
		$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y poppler-utils antiword; \
	fi

# Debian's redis-server for the replica and state-store tests (tests/test_replicas.py, tests/test_state.py);
# `chroma run` comes with the chromadb package (make install).
redis-deps:
	@if ! command -v redis-server >/dev/null; then \
		$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server; \
	fi

test: install browser-deps eval-deps redis-deps
	$(PY) -m pytest -q

# A longer schemathesis run (every check, a new seed) against a fresh `baocao serve` on loopback; `make test` runs 5 examples.
FUZZ_EXAMPLES ?= 200
fuzz: install
	BAOCAO_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) BAOCAO_FUZZ_SEED=$${BAOCAO_FUZZ_SEED:-$$(date +%s)} \
		$(PY) -m pytest -q tests/reliability/test_live_server.py -k schemathesis

# 16 clients from a cold start: bench/results/load.json
load: ingest-sample
	$(PY) bench/load.py

bench: install
	$(PY) bench/ingest.py

clean:
	rm -rf .baocao test-artifacts
