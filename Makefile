# Two commands for a fresh machine: `make run` and `make test`.
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
BAOCAO := $(VENV)/bin/baocao
STAMP  := $(VENV)/.installed-dev

export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install run test ingest-sample bench clean runtime-deps system-deps fuzz load

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
run: runtime-deps ingest-sample
	$(BAOCAO) serve

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian packages a fresh machine needs (one apt-get, only for what is missing). To run:
#   tesseract-ocr(-vie, -osd)   OCR of scans (Vietnamese model; osd = page orientation)
#   libreoffice-writer-nogui    .doc/.rtf/.odt -> .docx; antiword reads .doc when LibreOffice is missing
# and to test, also:
#   chromium, chromium-driver   the widget/admin browser tests (Playwright drives it; never `playwright install`)
#   poppler-utils               pdftotext, for the eval dataset validator (numbers stamped in signature widgets)
#   redis-server                the replica and state-store tests (`chroma run` comes with the chromadb package)
RUNTIME_DEBS := tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd libreoffice-writer-nogui antiword
TEST_DEBS    := $(RUNTIME_DEBS) chromium chromium-driver poppler-utils redis-server
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi
endef
runtime-deps:
	$(call apt_install,$(RUNTIME_DEBS))
system-deps:
	$(call apt_install,$(TEST_DEBS))

test: install system-deps
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
